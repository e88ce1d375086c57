/// INFIG's hyperparameters ("Integrating hierarchical fine-grained and global information
/// for multimodal sentiment analysis with assistance of CLIP", section 4.2). Defaults are
/// the MVSA-Single setting on DeBERTa-v3-base, ResNet-50 and CLIP ViT-B/32 features.
public struct INFIGConfiguration: Codable, Equatable, Sendable {
    /// d_t, the text encoder's hidden size (768 for DeBERTa-v3-base).
    public var textHiddenSize = 768
    /// The id of the padding token in `text.token_ids` (0 for DeBERTa-v3 and BERT).
    public var padTokenId = 0
    /// Channels of the ResNet-50 grid (2048).
    public var imageChannels = 2048
    /// Positions of the image grid (49 for 7×7).
    public var imagePositions = 49
    /// d, the width of the image transformer, the alignment and the fusion layers.
    public var modelDimension = 768
    /// N_i, the transformer layers over the ResNet grid (6).
    public var imageLayerCount = 6
    /// Heads of the image transformer and the fusion layers.
    public var headCount = 12
    /// Hidden size of every transformer feed-forward network (0: 4d).
    public var feedForwardDimension = 0
    /// M, the last layers of both encoders aligned by HFAM (3).
    public var alignmentLayerCount = 3
    /// j, the similarities summed per token (2 for MVSA, 3 for TumEmo and HFM).
    public var topJ = 2
    /// The fusion transformer's layers (3; 4 for HFM).
    public var fusionLayerCount = 3
    /// The CLIP embedding size (512 for ViT-B/32).
    public var clipSize = 512
    /// Size of the linear projections i_clip, t_clip of the CLIP embeddings.
    public var clipProjectionSize = 256
    /// Entries of each momentum queue.
    public var queueSize = 4096
    /// EMA factor of the momentum encoders.
    public var momentum: Float = 0.995
    /// τ of both alignment losses (0.07).
    public var temperature: Float = 0.07
    /// λ_f, the weight of the fine-grained alignment loss (0.2).
    public var fineGrainedWeight: Float = 0.2
    /// λ_g, the weight of the global alignment loss (0.3).
    public var globalWeight: Float = 0.3
    /// Dropout inside the transformer layers.
    public var dropout: Float = 0.1
    /// N, the text encoder's top layers the model runs itself (0: read the cached layers).
    /// With N > 0, `text.layers` holds the hidden states below those layers and a
    /// `TextTopLayers` stack must be attached (see `INFIG.attachTextTopLayers`).
    public var finetuneTop = 0
    /// Ablation switches (`INFIG.ablations`).
    public var ablations: [String] = []
    /// Optimisation settings of section 4.2 (Adam, lr 2e-5, batch 64; the epochs are not given).
    public var training = TrainingHyperparameters(learningRate: 2e-5, weightDecay: 0, batchSize: 64, epochs: 20)

    /// The MVSA-Single configuration.
    public init() {}

    var resolvedFeedForwardDimension: Int { feedForwardDimension > 0 ? feedForwardDimension : 4 * modelDimension }
}
