import Foundation

/// The one table of key renames between Swin checkpoint layouts. The model reads the
/// Hugging Face hub's names (`SwinModel` / `SwinForImageClassification` as
/// `save_pretrained` writes them), with one addition: timm's fused query/key/value
/// projection keeps its shape under `attention.self.qkv`.
///
/// | ours (Hugging Face hub) | timm `swin_transformer.py` |
/// |---|---|
/// | `embeddings.patch_embeddings.projection` | `patch_embed.proj` |
/// | `embeddings.norm` | `patch_embed.norm` |
/// | `encoder.layers.S.blocks.B.layernorm_before` | `layers.S.blocks.B.norm1` |
/// | `….attention.self.{query,key,value}` | `….attn.qkv` (rows q, k, v) → `attention.self.qkv` |
/// | `….attention.self.relative_position_bias_table` | `….attn.relative_position_bias_table` |
/// | `….attention.output.dense` | `….attn.proj` |
/// | `….layernorm_after` | `….norm2` |
/// | `….intermediate.dense` / `….output.dense` | `….mlp.fc1` / `….mlp.fc2` |
/// | `encoder.layers.S.downsample.{reduction,norm}` (end of stage S) | `layers.S+1.downsample.*` (start of stage S+1) |
/// | `layernorm` | `norm` |
/// | `classifier` | `head.fc` |
///
/// Also read: `swin.`-prefixed task checkpoints (`SwinForImageClassification`); the names
/// transformers ≥ 5 uses in memory (`attention.q_proj/k_proj/v_proj/o_proj`,
/// `attention.relative_position_bias.relative_position_bias_table`, `mlp.fc1/fc2`); and
/// the original Microsoft / timm < 0.9 layout (downsample at the end of a stage as in Hugging
/// Face, classifier `head`, persistent `relative_position_index` / `attn_mask` buffers).
public enum SwinWeightNames {
    /// A checkpoint layout.
    public enum Layout: String, Sendable, CaseIterable {
        /// The Hugging Face hub's `SwinModel` names (also with the `swin.` prefix).
        case huggingFace
        /// timm ≥ 0.9: patch merging at the start of stages 1…, classifier `head.fc`.
        case timm
        /// Original Microsoft checkpoints and timm < 0.9: patch merging at the end of stages 0…, classifier `head`.
        case timmLegacy
    }

    /// Buffers that checkpoints may carry and the model recomputes.
    public static let ignoredKeys = ["*relative_position_index", "*attn_mask"]

    /// Substring renames (matched between dots) of each layout, applied in order.
    static let infixRules: [Layout: [(String, String)]] = [
        .huggingFace: [
            (".attention.q_proj.", ".attention.self.query."),
            (".attention.k_proj.", ".attention.self.key."),
            (".attention.v_proj.", ".attention.self.value."),
            (".attention.o_proj.", ".attention.output.dense."),
            (".attention.relative_position_bias.relative_position_bias_table.", ".attention.self.relative_position_bias_table."),
            (".mlp.fc1.", ".intermediate.dense."),
            (".mlp.fc2.", ".output.dense."),
        ],
        .timm: timmBlockRules,
        .timmLegacy: timmBlockRules,
    ]

    static let timmBlockRules: [(String, String)] = [
        (".norm1.", ".layernorm_before."),
        (".norm2.", ".layernorm_after."),
        (".attn.qkv.", ".attention.self.qkv."),
        (".attn.proj.", ".attention.output.dense."),
        (".attn.relative_position_bias_table.", ".attention.self.relative_position_bias_table."),
        (".attn.relative_position_index.", ".attention.self.relative_position_index."),
        (".mlp.fc1.", ".intermediate.dense."),
        (".mlp.fc2.", ".output.dense."),
    ]

    /// Leading-component renames of each layout; the first match applies.
    static let prefixRules: [Layout: [(String, String)]] = [
        .huggingFace: [("swin.", "")],
        .timm: timmPrefixRules,
        .timmLegacy: timmPrefixRules,
    ]

    static let timmPrefixRules: [(String, String)] = [
        ("patch_embed.proj.", "embeddings.patch_embeddings.projection."),
        ("patch_embed.norm.", "embeddings.norm."),
        ("layers.", "encoder.layers."),
        ("norm.", "layernorm."),
        ("head.fc.", "classifier."),
        ("head.", "classifier."),
    ]

    /// The layout `keys` are in, or nil when they are not a Swin checkpoint.
    public static func detectLayout(_ keys: some Sequence<String>) -> Layout? {
        let set = Set(keys)
        if set.contains("embeddings.patch_embeddings.projection.weight")
            || set.contains("swin.embeddings.patch_embeddings.projection.weight") {
            return .huggingFace
        }
        guard set.contains("patch_embed.proj.weight"), set.contains("layers.0.blocks.0.attn.qkv.weight") else { return nil }
        return set.contains("layers.0.downsample.reduction.weight") ? .timmLegacy : .timm
    }

    /// `tensors` under our names, or unchanged when they are not a Swin checkpoint.
    public static func normalized<Value>(_ tensors: [String: Value]) -> [String: Value] {
        guard let layout = detectLayout(tensors.keys) else { return tensors }
        return Dictionary(tensors.map { (rename($0.key, layout: layout), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// `key` of a `layout` checkpoint under our name.
    public static func rename(_ key: String, layout: Layout) -> String {
        var name = key
        if layout == .timm, name.hasPrefix("layers.") {
            // Patch merging moves from the start of stage S + 1 to the end of stage S.
            let parts = name.split(separator: ".", maxSplits: 3, omittingEmptySubsequences: false)
            if parts.count == 4, parts[2] == "downsample", let stage = Int(parts[1]), stage > 0 {
                name = "layers.\(stage - 1).downsample.\(parts[3])"
            }
        }
        if let (from, to) = prefixRules[layout]?.first(where: { name.hasPrefix($0.0) }) {
            name = to + name.dropFirst(from.count)
        }
        var dotted = "." + name + "."
        for (from, to) in infixRules[layout] ?? [] where dotted.contains(from) {
            dotted = dotted.replacingOccurrences(of: from, with: to)
        }
        return String(dotted.dropFirst().dropLast())
    }
}
