import Foundation
import NeuralNetwork

/// The single-modality baselines: an MLP head over the pooled text vector (`text-only`,
/// BERT's row of the paper tables) or the pooled image vector (`image-only`, ResNet's row).
/// Input `text.pooled` [B, d_t] or `image.pooled` [B, C]. Keys: `mlp.hidden`, `mlp.classifier`.
public final class UnimodalBaseline: FusionModel {
    public var isTraining = true
    public let id: String
    /// The configuration the model was built with.
    public let configuration: BaselineConfiguration
    /// Whether the model reads the text (true) or the image (false).
    public let readsText: Bool
    let head: MLPHead

    /// A randomly initialised baseline over the text (`readsText`) or the image.
    /// - Throws: `FusionModelError` for an invalid configuration.
    public init(readsText: Bool, configuration: BaselineConfiguration, classes: Int, seed: UInt64) throws {
        id = readsText ? "text-only" : "image-only"
        self.configuration = try configuration.validated(model: id, classes: classes)
        self.readsText = readsText
        var generator = RandomGenerator(seed: seed)
        head = MLPHead(inputSize: readsText ? configuration.textHiddenSize : configuration.imageChannels,
                       hiddenSize: configuration.hiddenSize, classes: classes, dropout: configuration.dropout,
                       generator: &generator)
    }

    public var children: [(String, any Module)] { [("mlp", head)] }

    /// Baselines have no ablation switches.
    public static let ablations: [String] = []

    public var requirements: FeatureRequirements {
        FeatureRequirements(textPooled: readsText, imagePooled: !readsText)
    }

    public func configurationJSON() throws -> Data { try ConfigurationCoding.encode(configuration) }

    public func forward(_ batch: ModelInputs) throws -> ModelOutput {
        let input = readsText
            ? try batch.feature(FeatureName.textPooled, shape: [batch.batchSize, configuration.textHiddenSize])
            : try batch.feature(FeatureName.imagePooled, shape: [batch.batchSize, configuration.imageChannels])
        let (logits, hidden) = head.logitsAndHidden(input)
        return ModelOutput(logits: logits, intermediates: ["fused": hidden.detached()])
    }

    static let textDescriptor = ModelDescriptor(
        id: "text-only", paper: "baseline: MLP over the pooled text vector", ablations: ablations, presets: [],
        make: { json, classes, seed in
            try UnimodalBaseline(readsText: true, configuration: BaselineConfiguration.decode(json, model: "text-only", classes: classes),
                                 classes: classes, seed: seed)
        })

    static let imageDescriptor = ModelDescriptor(
        id: "image-only", paper: "baseline: MLP over the pooled image vector", ablations: ablations, presets: [],
        make: { json, classes, seed in
            try UnimodalBaseline(readsText: false, configuration: BaselineConfiguration.decode(json, model: "image-only", classes: classes),
                                 classes: classes, seed: seed)
        })
}
