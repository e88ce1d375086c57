/// The configuration shared by the baselines (text-only, image-only, concat, late-fusion,
/// attention-fusion). Defaults: BERT-base (768) and ResNet-50 (2048) features.
public struct BaselineConfiguration: Codable, Equatable, Sendable {
    /// d_t, the text encoder's hidden size.
    public var textHiddenSize = 768
    /// Size of the pooled image vector and channels of the image grid.
    public var imageChannels = 2048
    /// Hidden size of the MLP heads.
    public var hiddenSize = 256
    /// Width of attention-fusion's cross-attention block.
    public var modelDimension = 128
    /// Heads of attention-fusion's cross-attention block.
    public var headCount = 4
    /// Dropout before each classifier layer.
    public var dropout: Float = 0.1
    /// Ablation switches (the baselines have none).
    public var ablations: [String] = []
    /// Optimisation settings.
    public var training = TrainingHyperparameters(learningRate: 1e-4, weightDecay: 0.01, batchSize: 128, epochs: 30)

    /// The default configuration.
    public init() {}
}
