import Foundation
import NeuralNetwork

/// Attention fusion (`attention-fusion`): one cross-attention block from the text tokens
/// to the image grid, mean pooling over the text, a linear classifier.
///
/// T = E W_t + b_t [B, L, d], I = V W_i + b_i [B, N, d], X = LN(T + MHA(T, I, I)),
/// logits = Dropout(mean_L X) W_c + b_c.
///
/// Inputs: the last layer of `text.layers` [B, ≥1, L, d_t], `image.grid` [B, N, C].
/// Keys: `text_projection`, `image_projection`, `attention` (`in_proj_weight`,
/// `in_proj_bias`, `out_proj.*`, as `torch.nn.MultiheadAttention`), `norm`, `classifier`.
/// Intermediate: `attention` [B, L, N], averaged over heads.
public final class AttentionFusionBaseline: FusionModel {
    public var isTraining = true
    public let id = "attention-fusion"
    /// The configuration the model was built with.
    public let configuration: BaselineConfiguration
    let textProjection: Linear
    let imageProjection: Linear
    let attention: MultiHeadAttention
    let norm: LayerNorm
    let dropout: Dropout
    let classifier: Linear

    /// A randomly initialised model.
    /// - Throws: `FusionModelError` for an invalid configuration.
    public init(configuration: BaselineConfiguration, classes: Int, seed: UInt64) throws {
        self.configuration = try configuration.validated(model: "attention-fusion", classes: classes)
        var generator = RandomGenerator(seed: seed)
        let d = configuration.modelDimension
        textProjection = Linear(inputSize: configuration.textHiddenSize, outputSize: d, generator: &generator)
        imageProjection = Linear(inputSize: configuration.imageChannels, outputSize: d, generator: &generator)
        attention = MultiHeadAttention(embedDimension: d, headCount: configuration.headCount, generator: &generator)
        norm = LayerNorm(dimension: d)
        classifier = Linear(inputSize: d, outputSize: classes, generator: &generator)
        dropout = Dropout(probability: configuration.dropout, generator: &generator)
    }

    public var children: [(String, any Module)] {
        [("text_projection", textProjection), ("image_projection", imageProjection), ("attention", attention),
         ("norm", norm), ("dropout", dropout), ("classifier", classifier)]
    }

    /// Baselines have no ablation switches.
    public static let ablations: [String] = []

    public var requirements: FeatureRequirements {
        FeatureRequirements(textLayerCount: 1, textTokenSequences: true, imageGrid: true)
    }

    public func configurationJSON() throws -> Data { try ConfigurationCoding.encode(configuration) }

    public func forward(_ batch: ModelInputs) throws -> ModelOutput {
        let b = batch.batchSize
        let layers = try batch.feature(FeatureName.textLayers, shape: [b, nil, nil, configuration.textHiddenSize])
        let grid = try batch.feature(FeatureName.imageGrid, shape: [b, nil, configuration.imageChannels])
        let last = layers.shape[1] - 1
        guard last >= 0 else {
            throw FusionModelError.featureShape(name: FeatureName.textLayers, expected: [b, 1, nil, configuration.textHiddenSize],
                                                found: layers.shape)
        }
        let text = textProjection(layers.slice(axis: 1, last..<(last + 1)).squeezed(1))
        let image = imageProjection(grid)
        let (attended, weights) = attention(query: text, key: image, value: image, weights: .averaged)
        let fused = norm(text + attended)
        var intermediates: [String: Tensor] = [:]
        if let weights { intermediates["attention"] = weights.detached() }
        let pooled = fused.mean(axis: 1)
        intermediates["fused"] = pooled.detached()
        return ModelOutput(logits: classifier(dropout(pooled)), intermediates: intermediates)
    }

    static let descriptor = ModelDescriptor(
        id: "attention-fusion", paper: "baseline: one cross-attention block text → image", ablations: ablations, presets: [],
        make: { json, classes, seed in
            try AttentionFusionBaseline(configuration: BaselineConfiguration.decode(json, model: "attention-fusion", classes: classes),
                                        classes: classes, seed: seed)
        })
}
