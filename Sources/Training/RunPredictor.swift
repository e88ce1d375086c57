import Datasets
import Encoders
import Foundation
import FusionModels
import Tensors

/// Classifies raw posts with a trained run: the run's best checkpoint plus the encoders of
/// the feature store it was trained on (reloaded and checked against the manifest's
/// hashes), with the same text cleaning, so a post gets the features evaluation read from
/// the cache (`predict` and `serve` agree with `evaluate`).
public final class RunPredictor {
    /// One raw post: text and, optionally, an image file.
    public struct Input: Sendable {
        public var text: String
        public var imagePath: String?
        public init(text: String, imagePath: String? = nil) {
            self.text = text
            self.imagePath = imagePath
        }
    }

    /// The answer for one post.
    public struct Prediction: Codable, Equatable, Sendable {
        /// The most probable label.
        public var label: String
        /// Probability per label (temperature-scaled with the run's calibration).
        public var probabilities: [String: Double]
        /// Whether the text and the image were usable.
        public var textPresent: Bool
        public var imagePresent: Bool
        /// Per-sample intermediates the model reports (gates, modality weights), flattened.
        public var intermediates: [String: [Double]]
    }

    /// The run's `run.json`.
    public let sidecar: RunSidecar
    /// The trained model, in evaluation mode.
    public let model: any FusionModel
    /// The feature extractor rebuilt from the store's manifest.
    public let extractor: FeatureExtractor
    let cleaning: TextCleaning

    /// Loads the run at `run` and the encoders its feature store names.
    /// - Throws: `TrainingError`, `FeatureStoreError` (a missing store, or encoder files
    ///   whose hashes differ from the manifest's), or the model's loading errors.
    public init(run: URL) throws {
        let directory = RunDirectory(url: run)
        sidecar = try directory.sidecar()
        model = try directory.loadModel(.best)
        let manifest = try FeatureManifest.read(from: URL(fileURLWithPath: sidecar.featureStore))
        let stored = try FeatureExtractor(manifest: manifest)
        // A post without a usable image is classified from its text, whatever the store's policy.
        extractor = try FeatureExtractor(spec: stored.spec, text: stored.text, image: stored.image, clip: stored.clip,
                                         missingImage: .textOnly)
        cleaning = manifest.loadOptions.cleaning
    }

    /// Classifies `inputs` as one batch.
    public func predict(_ inputs: [Input]) throws -> [Prediction] {
        let posts = inputs.enumerated().map { index, input in
            Post(id: "input-\(index)", text: cleaning.apply(input.text), imagePaths: input.imagePath.map { [$0] } ?? [],
                 image: input.imagePath, label: nil, split: nil, source: SourceLocation(file: "input", line: index + 1))
        }
        let table = try extractor.features(for: posts, labelNames: sidecar.labelNames, batchSize: max(1, inputs.count)).table
        return try classify(table)
    }

    /// Classifies posts given as texts and decoded images (nil: no image), as one batch.
    public func predict(texts: [String], images: [RGBImage?]) throws -> [Prediction] {
        let table = try extractor.features(texts: texts.map(cleaning.apply), images: images, labelNames: sidecar.labelNames)
        return try classify(table)
    }

    func classify(_ table: FeatureTable) throws -> [Prediction] {
        let count = table.count
        let inputsBatch = try ModelInputs(features: table.features, textPresent: table.textPresent,
                                          imagePresent: table.imagePresent)
        let output = try withoutGradients { try model.forward(inputsBatch) }
        let classes = output.logits.shape[1]
        let logits = output.logits.scalars
        let temperature = sidecar.temperature > 0 ? sidecar.temperature : 1
        var perSample: [String: (values: [Float], width: Int)] = [:]
        for (name, tensor) in output.intermediates where tensor.rank >= 1 && tensor.shape[0] == count && name != "fused" {
            perSample[name] = (tensor.scalars, tensor.count / max(count, 1))
        }
        return (0..<count).map { row in
            let scaled = logits[row * classes..<(row + 1) * classes].map { Double($0) / temperature }
            let maximum = scaled.max() ?? 0
            let exponentials = scaled.map { Foundation.exp($0 - maximum) }
            let total = exponentials.reduce(0, +)
            let probabilities = exponentials.map { $0 / total }
            let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
            return Prediction(
                label: sidecar.labelNames[best],
                probabilities: Dictionary(uniqueKeysWithValues: zip(sidecar.labelNames, probabilities)),
                textPresent: table.textPresent[row], imagePresent: table.imagePresent[row],
                intermediates: perSample.mapValues { entry in
                    entry.values[row * entry.width..<(row + 1) * entry.width].map(Double.init)
                })
        }
    }
}
