/// HGLNet's hyperparameters (Wu, Zhao, Xu: "HGLNet: a generic hierarchical global-local
/// feature fusion network for multi-modal classification", section 4.1 and Table 2).
/// Defaults are the Weibo column of Table 2 on BERT-base and ResNet-50 features.
public struct HGLNetConfiguration: Codable, Equatable, Sendable {
    /// d_t, the text encoder's hidden size (768 for BERT-base).
    public var textHiddenSize = 768
    /// How many of the text encoder's last layers are fused (4 in the paper).
    public var textLayerCount = 4
    /// d_n, the text length (max_length: 140 Weibo, 300 Yelp and CMCD-I). The 1×1
    /// convolution maps the image grid to d_n channels, so the image stream has d_n rows.
    public var textLength = 140
    /// Channels of the image grid (2048 for ResNet-50 layer4).
    public var imageChannels = 2048
    /// Height of the image grid (7 for ResNet-50 at 224×224).
    public var imageGridHeight = 7
    /// Width of the image grid.
    public var imageGridWidth = 7
    /// Which image vector is GGA's v_g: `logits` (the 1000-d output, d_o, as the paper)
    /// or `pooled` (the 2048-d pooled features).
    public var imageGlobal = "logits"
    /// d_o, the size of the image global vector (1000 logits, or 2048 pooled).
    public var imageGlobalSize = 1000
    /// d_f = d_k = d_v, the fusion width and the size of each attention head.
    public var modelDimension = 32
    /// h, the number of heads in each cross residual self-attention.
    public var headCount = 4
    /// d_g, GGA's reduced size.
    public var gateDimension = 10
    /// Hidden size of the CRT's feed-forward network (0: 4 × 2d_f).
    public var feedForwardDimension = 0
    /// Number of CRT modules shared over the layers (2 in the paper).
    public var crtCount = 2
    /// Dropout before the classifier.
    public var dropout: Float = 0.5
    /// Ablation switches (`HGLNet.ablations`).
    public var ablations: [String] = []
    /// Optimisation settings of Table 2.
    public var training = TrainingHyperparameters(learningRate: 1e-4, weightDecay: 0.01, batchSize: 128, epochs: 30)

    /// The Weibo configuration of Table 2.
    public init() {}

    /// Hidden size of the feed-forward network actually used.
    var resolvedFeedForwardDimension: Int { feedForwardDimension > 0 ? feedForwardDimension : 8 * modelDimension }
}
