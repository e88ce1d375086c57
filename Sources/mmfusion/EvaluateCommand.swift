import ArgumentParser
import Datasets
import Foundation
import Training

/// `mmfusion evaluate`: metrics of a trained run on a split of cached features, as JSON on
/// stdout, optionally with a modality removed or images shuffled across posts.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a trained run on cached features (JSON metrics on stdout).")

    @Option(name: .customLong("run"), help: "The run directory written by `mmfusion train`.") var runDirectory: String
    @Option(help: "The directory of cached features.") var features: String
    @Option(help: "The split to evaluate: train, val or test.") var split: String = "test"
    @Option(help: "Zero one modality's features and mark it missing: text or image.") var drop: String?
    @Flag(help: "Pair each post with another post's image (fixed seed).") var shufflePairs = false
    @Option(help: "The seed of --shuffle-pairs.") var shuffleSeed: UInt64 = 0
    @Option(help: "Which checkpoint: best or last.") var checkpoint: String = "best"

    func run() throws {
        guard let splitName = SplitName(rawValue: split) else {
            throw ValidationError("--split must be train, val or test (got '\(split)')")
        }
        guard let which = RunDirectory.Checkpoint(rawValue: checkpoint) else {
            throw ValidationError("--checkpoint must be best or last (got '\(checkpoint)')")
        }
        var modality: ModalityPerturbation.Modality?
        if let drop {
            guard let parsed = ModalityPerturbation.Modality(rawValue: drop) else {
                throw ValidationError("--drop must be text or image (got '\(drop)')")
            }
            modality = parsed
        }
        let directory = RunDirectory(url: URL(fileURLWithPath: runDirectory))
        let sidecar = try directory.sidecar()
        var (table, _) = try loadFeatures(at: URL(fileURLWithPath: features))
        guard table.labelNames == sidecar.labelNames else {
            throw TrainingError.invalidInput(
                "the features' labels \(table.labelNames) differ from the run's \(sidecar.labelNames); evaluate on features of the same dataset")
        }
        let rows = table.labelledRows(in: splitName)
        guard !rows.isEmpty else {
            throw TrainingError.invalidInput("the features have no labelled rows in the \(split) split")
        }
        if let modality { table = ModalityPerturbation.dropping(modality, from: table) }
        if shufflePairs { table = ModalityPerturbation.shufflingPairs(in: table, rows: rows, seed: shuffleSeed) }
        let model = try directory.loadModel(which)
        let batchSize = (try? directory.configuration().evaluationBatchSize) ?? 64
        let predictions = try Evaluation.predict(
            model: model, table: table, rows: rows, batchSize: Swift.max(1, batchSize), temperature: sidecar.temperature)
        let metrics = try predictions.metrics(labelNames: sidecar.labelNames)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(metrics), as: UTF8.self))
    }
}
