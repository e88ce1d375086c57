import Foundation
import NeuralNetwork

/// Late fusion (`late-fusion`): the average of a text head's and an image head's logits,
/// over the modalities each sample has: logits = (m_t L_t + m_i L_i) / max(m_t + m_i, 1).
/// Inputs `text.pooled`, `image.pooled`. Keys: `text_head.*`, `image_head.*` (MLP heads).
/// Intermediates: `text_logits`, `image_logits` [B, C].
public final class LateFusionBaseline: FusionModel {
    public var isTraining = true
    public let id = "late-fusion"
    /// The configuration the model was built with.
    public let configuration: BaselineConfiguration
    let textHead: MLPHead
    let imageHead: MLPHead

    /// A randomly initialised model.
    /// - Throws: `FusionModelError` for an invalid configuration.
    public init(configuration: BaselineConfiguration, classes: Int, seed: UInt64) throws {
        self.configuration = try configuration.validated(model: "late-fusion", classes: classes)
        var generator = RandomGenerator(seed: seed)
        textHead = MLPHead(inputSize: configuration.textHiddenSize, hiddenSize: configuration.hiddenSize,
                           classes: classes, dropout: configuration.dropout, generator: &generator)
        imageHead = MLPHead(inputSize: configuration.imageChannels, hiddenSize: configuration.hiddenSize,
                            classes: classes, dropout: configuration.dropout, generator: &generator)
    }

    public var children: [(String, any Module)] { [("text_head", textHead), ("image_head", imageHead)] }

    /// Baselines have no ablation switches.
    public static let ablations: [String] = []

    public var requirements: FeatureRequirements { FeatureRequirements(textPooled: true, imagePooled: true) }

    public func configurationJSON() throws -> Data { try ConfigurationCoding.encode(configuration) }

    public func forward(_ batch: ModelInputs) throws -> ModelOutput {
        let b = batch.batchSize
        let (textLogits, textHidden) = textHead.logitsAndHidden(
            try batch.feature(FeatureName.textPooled, shape: [b, configuration.textHiddenSize]))
        let (imageLogits, imageHidden) = imageHead.logitsAndHidden(
            try batch.feature(FeatureName.imagePooled, shape: [b, configuration.imageChannels]))
        let textMask = batch.textPresenceTensor.reshaped([b, 1])
        let imageMask = batch.imagePresenceTensor.reshaped([b, 1])
        let count = (textMask + imageMask).maximum(Tensor.ones([b, 1]))
        let logits = (textLogits * textMask + imageLogits * imageMask) / count
        // The fused representation: both heads' hidden layers, each masked by its modality's presence.
        let fused = Tensor.concat([textHidden * textMask, imageHidden * imageMask], axis: 1)
        return ModelOutput(logits: logits, intermediates: ["text_logits": textLogits.detached(),
                                                           "image_logits": imageLogits.detached(), "fused": fused.detached()])
    }

    static let descriptor = ModelDescriptor(
        id: "late-fusion", paper: "baseline: average of unimodal heads' logits", ablations: ablations, presets: [],
        make: { json, classes, seed in
            try LateFusionBaseline(configuration: BaselineConfiguration.decode(json, model: "late-fusion", classes: classes),
                                   classes: classes, seed: seed)
        })
}
