/// Shape of a Swin Transformer, as Hugging Face's `SwinConfig` (`config.json`, snake_case
/// keys) describes it; the defaults are swin_tiny_patch4_window7_224's.
///
/// Decoded from `config.json`, or inferred from a checkpoint's keys and shapes with
/// `SwinConfig(inferringFrom:source:)` (timm files carry no config).
public struct SwinConfig: Codable, Sendable, Equatable {
    /// Side of the square patches the stem cuts (`patch_size`, 4).
    public var patchSize: Int
    /// Input channels (`num_channels`, 3).
    public var channelCount: Int
    /// Channels of the first stage (`embed_dim`, 96); stage s has embed·2^s.
    public var embeddingSize: Int
    /// Blocks per stage (`depths`, [2, 2, 6, 2]).
    public var depths: [Int]
    /// Attention heads per stage (`num_heads`, [3, 6, 12, 24]).
    public var headCounts: [Int]
    /// Side of the attention windows (`window_size`, 7); odd blocks shift by ⌊window/2⌋.
    public var windowSize: Int
    /// Hidden size of the MLP relative to the channels (`mlp_ratio`, 4).
    public var mlpRatio: Double
    /// Whether the query/key/value projections have biases (`qkv_bias`, true).
    public var qkvBias: Bool
    /// ε of every layer norm (`layer_norm_eps`, 1e-5).
    public var layerNormEpsilon: Float
    /// The MLP activation (`hidden_act`); only "gelu" (exact, erf) is built.
    public var hiddenActivation: String
    /// Whether learned absolute position embeddings are added (`use_absolute_embeddings`);
    /// not built (no released Swin-T uses them), so true is rejected at load.
    public var usesAbsoluteEmbeddings: Bool
    /// Classifier outputs, or nil for a feature-only model. Not a `config.json` key: set
    /// from the `classifier` weights when loading.
    public var numClasses: Int?

    enum CodingKeys: String, CodingKey {
        case patchSize = "patch_size", channelCount = "num_channels", embeddingSize = "embed_dim", depths
        case headCounts = "num_heads", windowSize = "window_size", mlpRatio = "mlp_ratio", qkvBias = "qkv_bias"
        case layerNormEpsilon = "layer_norm_eps", hiddenActivation = "hidden_act"
        case usesAbsoluteEmbeddings = "use_absolute_embeddings"
    }

    /// A configuration; the defaults give Swin-T (28M parameters, 4.5 GFLOPs at 224x224).
    public init(patchSize: Int = 4, channelCount: Int = 3, embeddingSize: Int = 96, depths: [Int] = [2, 2, 6, 2],
                headCounts: [Int] = [3, 6, 12, 24], windowSize: Int = 7, mlpRatio: Double = 4, qkvBias: Bool = true,
                layerNormEpsilon: Float = 1e-5, hiddenActivation: String = "gelu", usesAbsoluteEmbeddings: Bool = false,
                numClasses: Int? = nil) {
        self.patchSize = patchSize
        self.channelCount = channelCount
        self.embeddingSize = embeddingSize
        self.depths = depths
        self.headCounts = headCounts
        self.windowSize = windowSize
        self.mlpRatio = mlpRatio
        self.qkvBias = qkvBias
        self.layerNormEpsilon = layerNormEpsilon
        self.hiddenActivation = hiddenActivation
        self.usesAbsoluteEmbeddings = usesAbsoluteEmbeddings
        self.numClasses = numClasses
    }

    public init(from decoder: any Decoder) throws {
        let defaults = SwinConfig()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        patchSize = try container.decodeIfPresent(Int.self, forKey: .patchSize) ?? defaults.patchSize
        channelCount = try container.decodeIfPresent(Int.self, forKey: .channelCount) ?? defaults.channelCount
        embeddingSize = try container.decodeIfPresent(Int.self, forKey: .embeddingSize) ?? defaults.embeddingSize
        depths = try container.decodeIfPresent([Int].self, forKey: .depths) ?? defaults.depths
        headCounts = try container.decodeIfPresent([Int].self, forKey: .headCounts) ?? defaults.headCounts
        windowSize = try container.decodeIfPresent(Int.self, forKey: .windowSize) ?? defaults.windowSize
        mlpRatio = try container.decodeIfPresent(Double.self, forKey: .mlpRatio) ?? defaults.mlpRatio
        qkvBias = try container.decodeIfPresent(Bool.self, forKey: .qkvBias) ?? defaults.qkvBias
        layerNormEpsilon = try container.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? defaults.layerNormEpsilon
        hiddenActivation = try container.decodeIfPresent(String.self, forKey: .hiddenActivation) ?? defaults.hiddenActivation
        usesAbsoluteEmbeddings = try container.decodeIfPresent(Bool.self, forKey: .usesAbsoluteEmbeddings) ?? false
        numClasses = nil
    }

    /// Channels of stage `stage` (0-based): embed·2^stage.
    public func channels(ofStage stage: Int) -> Int { embeddingSize << stage }

    /// Channels of the last stage (768 for Swin-T): the pooled feature size.
    public var featureSize: Int { channels(ofStage: depths.count - 1) }

    /// Hidden size of stage `stage`'s MLP: ⌊mlp_ratio · channels⌋ (Python's `int()`).
    public func mlpSize(ofStage stage: Int) -> Int { Int(mlpRatio * Double(channels(ofStage: stage))) }

    /// Checks the values this code can build.
    /// - Throws: `VisionModelError.unrecognisedWeights` naming the offending field.
    public func validate(source: String) throws {
        func fail(_ detail: String) -> VisionModelError { .unrecognisedWeights(source: source, detail: "Swin config: " + detail) }
        guard patchSize >= 1, channelCount >= 1, embeddingSize >= 1, windowSize >= 1 else {
            throw fail("patch_size \(patchSize), num_channels \(channelCount), embed_dim \(embeddingSize) and "
                + "window_size \(windowSize) must be positive")
        }
        guard !depths.isEmpty, depths.count == headCounts.count, depths.allSatisfy({ $0 >= 1 }) else {
            throw fail("depths \(depths) and num_heads \(headCounts) must be non-empty lists of one entry per stage")
        }
        for (stage, heads) in headCounts.enumerated() where heads < 1 || channels(ofStage: stage) % heads != 0 {
            throw fail("stage \(stage) has \(channels(ofStage: stage)) channels, not divisible by \(heads) heads")
        }
        guard hiddenActivation == "gelu" else {
            throw fail("hidden_act '\(hiddenActivation)' is not built (only \"gelu\")")
        }
        guard !usesAbsoluteEmbeddings else {
            throw fail("use_absolute_embeddings is not built (the released Swin models do not use it)")
        }
    }

    /// The configuration a checkpoint describes, in our (Hugging Face) key names after
    /// `SwinWeightNames.normalized`: embed and patch size from the stem convolution, depths
    /// from the blocks present, heads and window from each stage's relative position bias
    /// table [(2·window − 1)², heads], MLP ratio from `intermediate.dense`, query bias from
    /// its presence, classes from `classifier.weight`.
    /// - Throws: `VisionModelError.unrecognisedWeights` when the keys do not describe a Swin.
    public init(inferringFrom shapes: [String: [Int]], source: String) throws {
        func fail(_ detail: String) -> VisionModelError { .unrecognisedWeights(source: source, detail: detail) }
        guard let stem = shapes["embeddings.patch_embeddings.projection.weight"], stem.count == 4, stem[2] == stem[3] else {
            throw fail("no square 4-D 'embeddings.patch_embeddings.projection.weight' (Swin stem)")
        }
        var depths: [Int] = []
        var heads: [Int] = []
        var window = 0
        while true {
            let stage = depths.count
            var count = 0
            while shapes["encoder.layers.\(stage).blocks.\(count).layernorm_before.weight"] != nil { count += 1 }
            if count == 0 { break }
            let tableKey = "encoder.layers.\(stage).blocks.0.attention.self.relative_position_bias_table"
            guard let table = shapes[tableKey], table.count == 2 else { throw fail("no 2-D '\(tableKey)'") }
            let side = Int(Double(table[0]).squareRoot().rounded())
            guard side * side == table[0], side % 2 == 1 else {
                throw fail("'\(tableKey)' has \(table[0]) rows, not (2·window − 1)² for a square window")
            }
            if stage == 0 { window = (side + 1) / 2 }
            guard (side + 1) / 2 == window else {
                throw fail("stage \(stage) has window \((side + 1) / 2), stage 0 has \(window); one window size is built")
            }
            depths.append(count)
            heads.append(table[1])
        }
        guard !depths.isEmpty else { throw fail("no 'encoder.layers.0.blocks.0.*' keys (Swin blocks)") }
        let embed = stem[0]
        guard let fc1 = shapes["encoder.layers.0.blocks.0.intermediate.dense.weight"], fc1.count == 2 else {
            throw fail("no 2-D 'encoder.layers.0.blocks.0.intermediate.dense.weight'")
        }
        let hasQueryBias = shapes["encoder.layers.0.blocks.0.attention.self.query.bias"] != nil
            || shapes["encoder.layers.0.blocks.0.attention.self.qkv.bias"] != nil
        self.init(patchSize: stem[2], channelCount: stem[1], embeddingSize: embed, depths: depths, headCounts: heads,
                  windowSize: window, mlpRatio: Double(fc1[0]) / Double(embed), qkvBias: hasQueryBias,
                  usesAbsoluteEmbeddings: shapes["embeddings.position_embeddings"] != nil,
                  numClasses: shapes["classifier.weight"].map { $0[0] })
    }
}
