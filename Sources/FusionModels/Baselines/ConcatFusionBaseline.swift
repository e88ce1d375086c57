import Foundation
import NeuralNetwork

/// Early fusion (`concat`): an MLP head over [text.pooled, image.pooled] [B, d_t + C].
/// Keys: `mlp.hidden`, `mlp.classifier`.
public final class ConcatFusionBaseline: FusionModel {
    public var isTraining = true
    public let id = "concat"
    /// The configuration the model was built with.
    public let configuration: BaselineConfiguration
    let head: MLPHead

    /// A randomly initialised model.
    /// - Throws: `FusionModelError` for an invalid configuration.
    public init(configuration: BaselineConfiguration, classes: Int, seed: UInt64) throws {
        self.configuration = try configuration.validated(model: "concat", classes: classes)
        var generator = RandomGenerator(seed: seed)
        head = MLPHead(inputSize: configuration.textHiddenSize + configuration.imageChannels,
                       hiddenSize: configuration.hiddenSize, classes: classes, dropout: configuration.dropout,
                       generator: &generator)
    }

    public var children: [(String, any Module)] { [("mlp", head)] }

    /// Baselines have no ablation switches.
    public static let ablations: [String] = []

    public var requirements: FeatureRequirements { FeatureRequirements(textPooled: true, imagePooled: true) }

    public func configurationJSON() throws -> Data { try ConfigurationCoding.encode(configuration) }

    public func forward(_ batch: ModelInputs) throws -> ModelOutput {
        let b = batch.batchSize
        let text = try batch.feature(FeatureName.textPooled, shape: [b, configuration.textHiddenSize])
        let image = try batch.feature(FeatureName.imagePooled, shape: [b, configuration.imageChannels])
        let (logits, hidden) = head.logitsAndHidden(Tensor.concat([text, image], axis: 1))
        return ModelOutput(logits: logits, intermediates: ["fused": hidden.detached()])
    }

    static let descriptor = ModelDescriptor(
        id: "concat", paper: "baseline: early fusion, MLP over pooled text and pooled image", ablations: ablations, presets: [],
        make: { json, classes, seed in
            try ConcatFusionBaseline(configuration: BaselineConfiguration.decode(json, model: "concat", classes: classes),
                                     classes: classes, seed: seed)
        })
}
