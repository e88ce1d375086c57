/// BMLHF's hyperparameters (Wu, Chen, Gao, Ji, Jing: "Balanced multi-modal learning with
/// hierarchical fusion for fake news detection", section 4.2). Defaults follow the paper on
/// BERT-base [CLS], Swin-T's 1000-d output and CLIP ViT-B/32 embeddings.
public struct BMLHFConfiguration: Codable, Equatable, Sendable {
    /// d_t, the size of the BERT pattern feature (768 for BERT-base).
    public var textHiddenSize = 768
    /// Which BERT vector is the text pattern view: `cls` (the last layer's [CLS] from
    /// `text.cls_layers`) or `pooled` (`text.pooled`).
    public var textFeature = "cls"
    /// d_e, the size of the Swin-T pattern feature (1000: the paper's "visual dimension").
    public var imageFeatureSize = 1000
    /// Which image vector is the image pattern view: `logits` (`image.logits`, the 1000-d
    /// output as in the paper) or `pooled` (`image.pooled`).
    public var imageFeature = "logits"
    /// d_p = d_u, the CLIP embedding size (512 for ViT-B/32).
    public var clipSize = 512
    /// Hidden width of each view's two-layer MLP g^u (384 in the paper).
    public var mlpHiddenSize = 384
    /// d_k, the common size of the four encoded views (the paper leaves it open; the MLP width).
    public var viewDimension = 384
    /// Heads of each cross-transformer (4 in the paper).
    public var headCount = 4
    /// Hidden size of the cross-transformers' feed-forward network (0: 4·d_k).
    public var feedForwardDimension = 0
    /// Hidden size of the intra-modal attention networks f(·; Θ_A), f(·; Θ_B) (0: d_k).
    public var attentionHiddenSize = 0
    /// Hidden size of the one-hidden-layer classifier C (0: d_k).
    public var classifierHiddenSize = 0
    /// Dropout before the classifier's hidden layer.
    public var dropout: Float = 0
    /// α₁ in k = 1 − tanh(α₁ ρ), equation 4 (0.8).
    public var balanceAlpha: Float = 0.8
    /// α₂, the weight of the supervised contrastive loss, equation 19 (0.5).
    public var contrastiveWeight: Float = 0.5
    /// τ of the supervised contrastive loss, equation 18 (0.5).
    public var contrastiveTemperature: Float = 0.5
    /// Weight of the cross-entropy of the summed view heads (Σ_u W^u z^u + b), which trains
    /// the heads that give MIB its scores s (equation 2).
    public var viewHeadWeight: Float = 1
    /// Ablation switches (`BMLHF.ablations`).
    public var ablations: [String] = []
    /// Optimisation settings of section 4.2 (Adam, lr 1e-3, weight decay 1e-3, 100 epochs;
    /// the batch size is not given).
    public var training = TrainingHyperparameters(learningRate: 1e-3, weightDecay: 1e-3, batchSize: 64, epochs: 100)

    /// The configuration of section 4.2.
    public init() {}

    var resolvedFeedForwardDimension: Int { feedForwardDimension > 0 ? feedForwardDimension : 4 * viewDimension }
    var resolvedAttentionHiddenSize: Int { attentionHiddenSize > 0 ? attentionHiddenSize : viewDimension }
    var resolvedClassifierHiddenSize: Int { classifierHiddenSize > 0 ? classifierHiddenSize : viewDimension }
}
