import Foundation
import NeuralNetwork

/// The hyper-parameters of a DeBERTa-v2 / DeBERTa-v3 encoder, decoded from a Hugging Face
/// `config.json` (`transformers.DebertaV2Config`, snake_case keys). Absent keys take the
/// defaults of `DebertaV2Config`; the initialiser's defaults are those of
/// `microsoft/deberta-v3-base`.
///
/// ```swift
/// let config = try directory.decodeJSON(DebertaV2Config.self)
/// try config.validate()
/// ```
public struct DebertaV2Config: Codable, Equatable, Sendable {
    /// `vocab_size`: rows of the word-embedding table.
    public var vocabularySize: Int
    /// `hidden_size`: the model width H.
    public var hiddenSize: Int
    /// `num_hidden_layers`: number of transformer layers.
    public var layerCount: Int
    /// `num_attention_heads`: heads per self-attention (divides `hiddenSize`).
    public var attentionHeadCount: Int
    /// `intermediate_size`: width of the feed-forward block.
    public var intermediateSize: Int
    /// `hidden_act`: any name `Activation(name:)` knows (`gelu` is the exact GELU).
    public var hiddenActivation: String
    /// `hidden_dropout_prob`: dropout on embeddings, relative embeddings and sub-layer outputs.
    public var hiddenDropoutProbability: Float
    /// `attention_probs_dropout_prob`: dropout on attention weights (training only).
    public var attentionDropoutProbability: Float
    /// `max_position_embeddings`: longest input, and rows of the absolute position table
    /// when `positionBiasedInput` is true.
    public var maxPositionEmbeddings: Int
    /// `type_vocab_size`: rows of the token-type table; 0 means no such table (v3).
    public var typeVocabularySize: Int
    /// `layer_norm_eps`: ε of every layer normalisation (1e-7 for DeBERTa-v3).
    public var layerNormEpsilon: Float
    /// `pad_token_id`: the padding token.
    public var padTokenId: Int
    /// `relative_attention`: whether the disentangled (relative position) terms are used.
    public var relativeAttention: Bool
    /// `max_relative_positions`: the largest relative distance; < 1 means `maxPositionEmbeddings`.
    public var maxRelativePositions: Int
    /// `position_buckets`: relative distances are mapped to `2 · position_buckets` log
    /// buckets when > 0 (256 for DeBERTa-v3).
    public var positionBuckets: Int
    /// `pos_att_type`: the relative terms, a subset of `c2p` (content to position) and
    /// `p2c` (position to content). Older configs write `"p2c|c2p"`.
    public var positionAttentionTypes: [String]
    /// `share_att_key`: the relative terms reuse the content query / key projections
    /// (true for DeBERTa-v3); otherwise `pos_key_proj` / `pos_query_proj` exist.
    public var shareAttentionKey: Bool
    /// `norm_rel_ebd`: `layer_norm` normalises the relative embeddings (`encoder.LayerNorm`).
    public var normalizeRelativeEmbeddings: String
    /// `position_biased_input`: whether absolute position embeddings are added to the input
    /// (false for DeBERTa-v3).
    public var positionBiasedInput: Bool
    /// `embedding_size`: width of the embedding tables; a projection `embed_proj` maps it to
    /// `hiddenSize` when it differs. nil means `hiddenSize`.
    public var embeddingSize: Int?
    /// `conv_kernel_size`: DeBERTa-v2-xlarge's convolution after layer 0 (not supported; must be 0).
    public var convolutionKernelSize: Int

    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocab_size"
        case hiddenSize = "hidden_size"
        case layerCount = "num_hidden_layers"
        case attentionHeadCount = "num_attention_heads"
        case intermediateSize = "intermediate_size"
        case hiddenActivation = "hidden_act"
        case hiddenDropoutProbability = "hidden_dropout_prob"
        case attentionDropoutProbability = "attention_probs_dropout_prob"
        case maxPositionEmbeddings = "max_position_embeddings"
        case typeVocabularySize = "type_vocab_size"
        case layerNormEpsilon = "layer_norm_eps"
        case padTokenId = "pad_token_id"
        case relativeAttention = "relative_attention"
        case maxRelativePositions = "max_relative_positions"
        case positionBuckets = "position_buckets"
        case positionAttentionTypes = "pos_att_type"
        case shareAttentionKey = "share_att_key"
        case normalizeRelativeEmbeddings = "norm_rel_ebd"
        case positionBiasedInput = "position_biased_input"
        case embeddingSize = "embedding_size"
        case convolutionKernelSize = "conv_kernel_size"
    }

    /// A configuration; the defaults are those of `microsoft/deberta-v3-base`.
    public init(vocabularySize: Int = 128_100, hiddenSize: Int = 768, layerCount: Int = 12,
                attentionHeadCount: Int = 12, intermediateSize: Int = 3072, hiddenActivation: String = "gelu",
                hiddenDropoutProbability: Float = 0.1, attentionDropoutProbability: Float = 0.1,
                maxPositionEmbeddings: Int = 512, typeVocabularySize: Int = 0, layerNormEpsilon: Float = 1e-7,
                padTokenId: Int = 0, relativeAttention: Bool = true, maxRelativePositions: Int = -1,
                positionBuckets: Int = 256, positionAttentionTypes: [String] = ["p2c", "c2p"],
                shareAttentionKey: Bool = true, normalizeRelativeEmbeddings: String = "layer_norm",
                positionBiasedInput: Bool = false, embeddingSize: Int? = nil, convolutionKernelSize: Int = 0) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.attentionHeadCount = attentionHeadCount
        self.intermediateSize = intermediateSize
        self.hiddenActivation = hiddenActivation
        self.hiddenDropoutProbability = hiddenDropoutProbability
        self.attentionDropoutProbability = attentionDropoutProbability
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEpsilon = layerNormEpsilon
        self.padTokenId = padTokenId
        self.relativeAttention = relativeAttention
        self.maxRelativePositions = maxRelativePositions
        self.positionBuckets = positionBuckets
        self.positionAttentionTypes = positionAttentionTypes
        self.shareAttentionKey = shareAttentionKey
        self.normalizeRelativeEmbeddings = normalizeRelativeEmbeddings
        self.positionBiasedInput = positionBiasedInput
        self.embeddingSize = embeddingSize
        self.convolutionKernelSize = convolutionKernelSize
    }

    /// Decodes a `config.json`; absent keys take `transformers.DebertaV2Config`'s defaults
    /// (which are DeBERTa-v2-xlarge's: relative attention off, type vocabulary 0, …).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try container.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        vocabularySize = try value(.vocabularySize, 128_100)
        hiddenSize = try value(.hiddenSize, 1536)
        layerCount = try value(.layerCount, 24)
        attentionHeadCount = try value(.attentionHeadCount, 24)
        intermediateSize = try value(.intermediateSize, 6144)
        hiddenActivation = try value(.hiddenActivation, "gelu")
        hiddenDropoutProbability = try value(.hiddenDropoutProbability, 0.1)
        attentionDropoutProbability = try value(.attentionDropoutProbability, 0.1)
        maxPositionEmbeddings = try value(.maxPositionEmbeddings, 512)
        typeVocabularySize = try value(.typeVocabularySize, 0)
        layerNormEpsilon = try value(.layerNormEpsilon, 1e-7)
        padTokenId = try value(.padTokenId, 0)
        relativeAttention = try value(.relativeAttention, false)
        maxRelativePositions = try value(.maxRelativePositions, -1)
        positionBuckets = try value(.positionBuckets, -1)
        if let list = try? container.decodeIfPresent([String].self, forKey: .positionAttentionTypes) {
            positionAttentionTypes = list
        } else if let joined = try container.decodeIfPresent(String.self, forKey: .positionAttentionTypes) {
            positionAttentionTypes = joined.lowercased().split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            positionAttentionTypes = []
        }
        shareAttentionKey = try value(.shareAttentionKey, false)
        normalizeRelativeEmbeddings = try value(.normalizeRelativeEmbeddings, "none")
        positionBiasedInput = try value(.positionBiasedInput, true)
        embeddingSize = try container.decodeIfPresent(Int.self, forKey: .embeddingSize)
        convolutionKernelSize = try value(.convolutionKernelSize, 0)
    }

    /// Width of one attention head, `hiddenSize / attentionHeadCount`.
    public var headSize: Int { hiddenSize / attentionHeadCount }

    /// The largest relative distance: `maxRelativePositions`, or `maxPositionEmbeddings` when < 1.
    public var effectiveMaxRelativePositions: Int {
        maxRelativePositions < 1 ? maxPositionEmbeddings : maxRelativePositions
    }

    /// k, the half-span of the relative embedding table (`pos_ebd_size`): `positionBuckets`
    /// when > 0, else `effectiveMaxRelativePositions`. The table has 2k rows.
    public var relativeSpan: Int { positionBuckets > 0 ? positionBuckets : effectiveMaxRelativePositions }

    /// Whether the content-to-position term is used.
    public var usesContentToPosition: Bool { relativeAttention && positionAttentionTypes.contains("c2p") }
    /// Whether the position-to-content term is used.
    public var usesPositionToContent: Bool { relativeAttention && positionAttentionTypes.contains("p2c") }
    /// Whether `encoder.LayerNorm` normalises the relative embeddings.
    public var normalizesRelativeEmbeddings: Bool {
        normalizeRelativeEmbeddings.lowercased().split(separator: "|")
            .contains { $0.trimmingCharacters(in: .whitespaces) == "layer_norm" }
    }

    /// The attention scale's factor: 1 + the number of relative terms in `pos_att_type`
    /// (counted even when `relative_attention` is false, as `transformers` does).
    public var scaleFactor: Int {
        1 + (positionAttentionTypes.contains("c2p") ? 1 : 0) + (positionAttentionTypes.contains("p2c") ? 1 : 0)
    }

    /// The feed-forward activation.
    /// - Throws: `BertError.invalidConfig` for an unknown `hidden_act`.
    public func activation() throws -> Activation {
        guard let activation = Activation(name: hiddenActivation) else {
            throw BertError.invalidConfig("hidden_act \(hiddenActivation.debugDescription) is not a known activation")
        }
        return activation
    }

    /// Checks the sizes and the supported options.
    /// - Throws: `BertError.invalidConfig` naming the key and the fix.
    public func validate() throws {
        for (name, value) in [("vocab_size", vocabularySize), ("hidden_size", hiddenSize),
                              ("num_hidden_layers", layerCount), ("num_attention_heads", attentionHeadCount),
                              ("intermediate_size", intermediateSize), ("max_position_embeddings", maxPositionEmbeddings)]
            where value <= 0 {
            throw BertError.invalidConfig("\(name) is \(value); it must be positive")
        }
        guard hiddenSize % attentionHeadCount == 0 else {
            throw BertError.invalidConfig("hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(attentionHeadCount)")
        }
        guard typeVocabularySize >= 0 else { throw BertError.invalidConfig("type_vocab_size \(typeVocabularySize) is negative") }
        guard (0..<vocabularySize).contains(padTokenId) else {
            throw BertError.invalidConfig("pad_token_id \(padTokenId) is outside the vocabulary of \(vocabularySize)")
        }
        if let unknown = positionAttentionTypes.first(where: { $0 != "c2p" && $0 != "p2c" }) {
            throw BertError.invalidConfig("pos_att_type \(unknown.debugDescription) is not supported (use \"c2p\" and/or \"p2c\")")
        }
        guard convolutionKernelSize <= 0 else {
            throw BertError.invalidConfig("conv_kernel_size \(convolutionKernelSize): the convolution layer of DeBERTa-v2-xlarge is not supported")
        }
        if let embeddingSize, embeddingSize <= 0 {
            throw BertError.invalidConfig("embedding_size \(embeddingSize) must be positive")
        }
        _ = try activation()
    }
}
