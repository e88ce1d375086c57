/// SG-MFT's hyperparameters (Similarity Guided Multimodal Fusion Transformer for semantic
/// location prediction, section 4.3). Defaults are the paper's Weibo setting on
/// Chinese-CLIP ViT-H/14 token sequences: RoBERTa-wwm-large text tokens (1024 wide) and
/// ViT-H/14 image tokens (1280 wide), 8 heads, Adam at 1e-5, batch 20, 30 epochs.
public struct SGMFTConfiguration: Codable, Equatable, Sendable {
    /// Width of the text tokens (`text.layers`, last layer): 1024 for RoBERTa-wwm-large.
    public var textHiddenSize = 1024
    /// Width of the image tokens (`image.grid`): 1280 for ViT-H/14.
    public var imageHiddenSize = 1280
    /// D, the width of the similarity and attention computations (1024, CLIP's joint width).
    public var modelDimension = 1024
    /// h, the number of attention heads (8 in the paper); D must be a multiple of h.
    public var headCount = 8
    /// d_h, the hidden size of both feed-forward blocks (0: 4·D).
    public var feedForwardDimension = 0
    /// Hidden widths of the multimodal classifier's first four fully connected layers
    /// (the fifth maps to the classes).
    public var classifierHiddenSizes = [512, 256, 128, 64]
    /// Dropout after each hidden layer of the classifier.
    public var dropout: Float = 0.1
    /// Ablation switches (`SGMFT.ablations`).
    public var ablations: [String] = []
    /// Optimisation settings of section 4.3 (Adam, no weight decay; β = (0.9, 0.99)).
    public var training = TrainingHyperparameters(learningRate: 1e-5, weightDecay: 0, batchSize: 20, epochs: 30)

    /// The paper's configuration.
    public init() {}

    /// d_h actually used.
    var resolvedFeedForwardDimension: Int { feedForwardDimension > 0 ? feedForwardDimension : 4 * modelDimension }
}
