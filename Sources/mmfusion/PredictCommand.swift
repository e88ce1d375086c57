import ArgumentParser
import Foundation
import Training

/// `mmfusion predict`: classifies one raw post (text and optional image) with a trained run,
/// running the run's encoders and model; JSON on stdout.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify a raw post with a trained run (its encoders and best checkpoint); JSON on stdout.")

    @Option(name: .customLong("run"), help: "The run directory written by `mmfusion train`.") var runDirectory: String
    @Option(help: "The post's text.") var text: String
    @Option(help: "The post's image file (optional).") var image: String?

    func run() throws {
        let predictor = try RunPredictor(run: URL(fileURLWithPath: runDirectory))
        let started = Date()
        guard let prediction = try predictor.predict([.init(text: text, imagePath: image)]).first else { return }
        struct Output: Encodable {
            var model: String
            var prediction: RunPredictor.Prediction
            var latencyMilliseconds: Double
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let output = Output(model: predictor.sidecar.model, prediction: prediction,
                            latencyMilliseconds: Date().timeIntervalSince(started) * 1000)
        print(String(decoding: try encoder.encode(output), as: UTF8.self))
    }
}
