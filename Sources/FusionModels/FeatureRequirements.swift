/// The cached encoder features a fusion model reads, so the extractor computes and stores
/// only those. Each flag names one entry of `ModelInputs` (see `FeatureName`).
public struct FeatureRequirements: Codable, Equatable, Sendable {
    /// How many of the text encoder's last hidden layers the model reads (0: none).
    public var textLayerCount: Int
    /// The [CLS] vector of each of those layers: `text.cls_layers` [B, N, d_t].
    public var textClassTokens: Bool
    /// The full token sequence of each of those layers: `text.layers` [B, N, L, d_t].
    public var textTokenSequences: Bool
    /// The text encoder's pooled vector: `text.pooled` [B, d_t].
    public var textPooled: Bool
    /// The image encoder's last feature grid as tokens: `image.grid` [B, H·W, C] ([B, 49, 2048] for ResNet-50).
    public var imageGrid: Bool
    /// The image encoder's pooled vector: `image.pooled` [B, C] (2048 for ResNet-50).
    public var imagePooled: Bool
    /// The image classifier's logits: `image.logits` [B, 1000].
    public var imageLogits: Bool
    /// CLIP text and image embeddings: `clip.text`, `clip.image` [B, d_clip].
    public var clipEmbeddings: Bool
    /// The token ids of the text sequence: `text.token_ids` [B, L] (MLM targets).
    public var textTokenIds: Bool

    /// Requirements with every flag off unless given.
    public init(textLayerCount: Int = 0, textClassTokens: Bool = false, textTokenSequences: Bool = false,
                textPooled: Bool = false, imageGrid: Bool = false, imagePooled: Bool = false,
                imageLogits: Bool = false, clipEmbeddings: Bool = false, textTokenIds: Bool = false) {
        self.textLayerCount = textLayerCount
        self.textClassTokens = textClassTokens
        self.textTokenSequences = textTokenSequences
        self.textPooled = textPooled
        self.imageGrid = imageGrid
        self.imagePooled = imagePooled
        self.imageLogits = imageLogits
        self.clipEmbeddings = clipEmbeddings
        self.textTokenIds = textTokenIds
    }

    enum CodingKeys: String, CodingKey {
        case textLayerCount, textClassTokens, textTokenSequences, textPooled, imageGrid, imagePooled, imageLogits
        case clipEmbeddings, textTokenIds
    }

    /// Decodes requirements; `textTokenIds` may be absent (written before it existed).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        textLayerCount = try container.decode(Int.self, forKey: .textLayerCount)
        textClassTokens = try container.decode(Bool.self, forKey: .textClassTokens)
        textTokenSequences = try container.decode(Bool.self, forKey: .textTokenSequences)
        textPooled = try container.decode(Bool.self, forKey: .textPooled)
        imageGrid = try container.decode(Bool.self, forKey: .imageGrid)
        imagePooled = try container.decode(Bool.self, forKey: .imagePooled)
        imageLogits = try container.decode(Bool.self, forKey: .imageLogits)
        clipEmbeddings = try container.decode(Bool.self, forKey: .clipEmbeddings)
        textTokenIds = try container.decodeIfPresent(Bool.self, forKey: .textTokenIds) ?? false
    }

    /// The `ModelInputs` entries these requirements name, in a fixed order.
    public var featureNames: [String] {
        var names: [String] = []
        if textLayerCount > 0 && textClassTokens { names.append(FeatureName.textClassLayers) }
        if textLayerCount > 0 && textTokenSequences { names.append(FeatureName.textLayers) }
        if textPooled { names.append(FeatureName.textPooled) }
        if imageGrid { names.append(FeatureName.imageGrid) }
        if imagePooled { names.append(FeatureName.imagePooled) }
        if imageLogits { names.append(FeatureName.imageLogits) }
        if clipEmbeddings { names += [FeatureName.clipText, FeatureName.clipImage] }
        if textTokenIds { names.append(FeatureName.textTokenIds) }
        return names
    }
}

/// The names of the cached feature tensors in a `ModelInputs` batch.
public enum FeatureName {
    /// [B, N, d_t]: the [CLS] vector of the text encoder's last N layers, oldest layer first.
    public static let textClassLayers = "text.cls_layers"
    /// [B, N, L, d_t]: the token sequences of the last N layers, oldest layer first.
    public static let textLayers = "text.layers"
    /// [B, d_t]: the text encoder's pooled vector.
    public static let textPooled = "text.pooled"
    /// [B, H·W, C]: the image feature grid, row-major over positions.
    public static let imageGrid = "image.grid"
    /// [B, C]: the globally pooled image features.
    public static let imagePooled = "image.pooled"
    /// [B, 1000]: the image classifier's logits.
    public static let imageLogits = "image.logits"
    /// [B, d]: CLIP text embedding.
    public static let clipText = "clip.text"
    /// [B, d]: CLIP image embedding.
    public static let clipImage = "clip.image"
    /// [B, L]: the token ids of the text sequence (as Float), aligned with `text.layers`.
    public static let textTokenIds = "text.token_ids"
}
