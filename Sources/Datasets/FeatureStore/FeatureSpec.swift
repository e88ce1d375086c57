/// Which cached tensors a feature store holds, by the fusion models' feature names.
///
/// The CLI derives it from the models asked for (`extract --for hglnet,mscf`): the union of
/// their feature requirements. Each flag adds one tensor per post:
///
/// | flag | name | per-post shape |
/// |---|---|---|
/// | `textClassTokens` | `text.cls_layers` | [N, d_t] (the last N layers' [CLS], oldest first) |
/// | `textTokenSequences` | `text.layers` | [N, L, d_t] |
/// | `textPooled` | `text.pooled` | [d_t] |
/// | `textTokenIds` | `text.token_ids` | [L] (ids as Float) |
/// | `imageGrid` | `image.grid` | [H·W, C] |
/// | `imagePooled` | `image.pooled` | [C] |
/// | `imageLogits` | `image.logits` | [1000] |
/// | `clipEmbeddings` | `clip.text`, `clip.image` | [d] each |
public struct FeatureSpec: Codable, Equatable, Sendable {
    /// N, the number of last text-encoder layers kept (for `text.cls_layers` / `text.layers`).
    public var textLayerCount: Int
    public var textClassTokens: Bool
    public var textTokenSequences: Bool
    public var textPooled: Bool
    public var textTokenIds: Bool
    public var imageGrid: Bool
    public var imagePooled: Bool
    public var imageLogits: Bool
    public var clipEmbeddings: Bool

    /// The default store: the last 4 layers' [CLS], the pooled text, the image grid and the
    /// pooled image (what HGLNet and the baselines read).
    public init(textLayerCount: Int = 4, textClassTokens: Bool = true, textTokenSequences: Bool = false,
                textPooled: Bool = true, textTokenIds: Bool = false, imageGrid: Bool = true, imagePooled: Bool = true,
                imageLogits: Bool = false, clipEmbeddings: Bool = false) {
        self.textLayerCount = textLayerCount
        self.textClassTokens = textClassTokens
        self.textTokenSequences = textTokenSequences
        self.textPooled = textPooled
        self.textTokenIds = textTokenIds
        self.imageGrid = imageGrid
        self.imagePooled = imagePooled
        self.imageLogits = imageLogits
        self.clipEmbeddings = clipEmbeddings
    }

    /// A spec with nothing in it, to build unions from.
    public static let empty = FeatureSpec(textLayerCount: 0, textClassTokens: false, textPooled: false,
                                          imageGrid: false, imagePooled: false)

    /// Everything either spec holds (the larger layer count).
    public func union(_ other: FeatureSpec) -> FeatureSpec {
        FeatureSpec(textLayerCount: max(textLayerCount, other.textLayerCount),
                    textClassTokens: textClassTokens || other.textClassTokens,
                    textTokenSequences: textTokenSequences || other.textTokenSequences,
                    textPooled: textPooled || other.textPooled, textTokenIds: textTokenIds || other.textTokenIds,
                    imageGrid: imageGrid || other.imageGrid, imagePooled: imagePooled || other.imagePooled,
                    imageLogits: imageLogits || other.imageLogits, clipEmbeddings: clipEmbeddings || other.clipEmbeddings)
    }

    /// The tensor names stored, in a fixed order.
    public var featureNames: [String] {
        var names: [String] = []
        if textLayerCount > 0 && textClassTokens { names.append("text.cls_layers") }
        if textLayerCount > 0 && textTokenSequences { names.append("text.layers") }
        if textPooled { names.append("text.pooled") }
        if textTokenIds { names.append("text.token_ids") }
        if imageGrid { names.append("image.grid") }
        if imagePooled { names.append("image.pooled") }
        if imageLogits { names.append("image.logits") }
        if clipEmbeddings { names += ["clip.text", "clip.image"] }
        return names
    }

    /// Whether the text encoder must run.
    public var needsTextEncoder: Bool {
        (textLayerCount > 0 && (textClassTokens || textTokenSequences)) || textPooled || textTokenIds
    }

    /// Whether the image encoder must run.
    public var needsImageEncoder: Bool { imageGrid || imagePooled || imageLogits }
}
