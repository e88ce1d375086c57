/// MSCF's hyperparameters (Liu, Bai, Cheng, Gui: "Image-text sentiment classification model
/// based on multi-scale cross-modal feature fusion", Computer Science 51(9), 2024, section
/// 4.2). Defaults are the MVSA-Single setting on BERT-base-uncased and ResNet-50 features.
public struct MSCFConfiguration: Codable, Equatable, Sendable {
    /// d_t, the text encoder's hidden size (768 for BERT-base).
    public var textHiddenSize = 768
    /// n, the text length (token positions of the cached sequence).
    public var textLength = 64
    /// C, channels of the image grid (2048 for ResNet-50).
    public var imageChannels = 2048
    /// m, positions of the image grid (49 for ResNet-50 at 224×224).
    public var imagePositions = 49
    /// d_i, the fusion width that W_I and W_T project to (equations 4 and 6).
    public var modelDimension = 768
    /// Transformer encoder layers of T (3 MVSA-Single, 4 MVSA-Multiple).
    public var layerCount = 3
    /// Attention heads of each encoder layer.
    public var headCount = 8
    /// Feed-forward width of each encoder layer (PyTorch's default 2048).
    public var feedForwardDimension = 2048
    /// Dropout inside the encoder layers and before the classifier.
    public var dropout: Float = 0.1
    /// The MLM mask rate `mlm` of equation 19 (25% in the paper, Table 3).
    public var maskRate: Float = 0.25
    /// d_voc, the vocabulary of the MLM head (30522 for BERT-base-uncased).
    public var vocabularySize = 30522
    /// The id of "[mask]" in the vocabulary, written into the token ids for `faithful`.
    public var maskTokenId = 103
    /// Token ids never masked: [PAD], [CLS], [SEP] of BERT-base-uncased.
    public var specialTokenIds = [0, 101, 102]
    /// `fast`: mask at the fusion input (the selected rows of Emb_T become a learned mask
    /// vector, no text encoder needed); `faithful`: re-encode the masked token ids with
    /// the frozen text encoder (equation 21) through `MSCF.textEncoder`.
    public var mlm = "fast"
    /// Ablation switches (`MSCF.ablations`).
    public var ablations: [String] = []
    /// Optimisation settings of section 4.2 (AdamW; epochs and weight decay not given).
    public var training = TrainingHyperparameters(learningRate: 2e-5, weightDecay: 0.01, batchSize: 64, epochs: 10)

    /// The MVSA-Single configuration.
    public init() {}
}
