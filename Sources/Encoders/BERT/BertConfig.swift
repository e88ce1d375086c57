import Foundation
import NeuralNetwork

/// The hyper-parameters of a BERT-family encoder, decoded from a Hugging Face
/// `config.json` (snake_case keys, as `transformers.BertConfig` / `RobertaConfig` write
/// them). Absent keys take the defaults of `bert-base-uncased`.
///
/// ```swift
/// let config = try JSONDecoder().decode(BertConfig.self, from: data)
/// try config.validate()
/// ```
public struct BertConfig: Codable, Equatable, Sendable {
    /// `model_type`: `bert`, `roberta`, `xlm-roberta` (or another name of the RoBERTa family).
    public var modelType: String
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
    /// `hidden_act`: `gelu` (exact), `gelu_new` (tanh approximation), `relu`, … (any name
    /// `Activation(name:)` knows).
    public var hiddenActivation: String
    /// `hidden_dropout_prob`: dropout on embeddings and sub-layer outputs (training only).
    public var hiddenDropoutProbability: Float
    /// `attention_probs_dropout_prob`: dropout on attention weights (training only).
    public var attentionDropoutProbability: Float
    /// `max_position_embeddings`: rows of the position table.
    public var maxPositionEmbeddings: Int
    /// `type_vocab_size`: rows of the token-type (segment) table.
    public var typeVocabularySize: Int
    /// `layer_norm_eps`: ε of every layer normalisation.
    public var layerNormEpsilon: Float
    /// `pad_token_id`: the padding token (RoBERTa positions are counted from it).
    public var padTokenId: Int
    /// `position_embedding_type`: only `absolute` is supported.
    public var positionEmbeddingType: String

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type"
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
        case positionEmbeddingType = "position_embedding_type"
    }

    /// A configuration; the defaults are those of `bert-base-uncased`.
    public init(
        modelType: String = "bert", vocabularySize: Int = 30522, hiddenSize: Int = 768, layerCount: Int = 12,
        attentionHeadCount: Int = 12, intermediateSize: Int = 3072, hiddenActivation: String = "gelu",
        hiddenDropoutProbability: Float = 0.1, attentionDropoutProbability: Float = 0.1,
        maxPositionEmbeddings: Int = 512, typeVocabularySize: Int = 2, layerNormEpsilon: Float = 1e-12,
        padTokenId: Int = 0, positionEmbeddingType: String = "absolute"
    ) {
        self.modelType = modelType
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
        self.positionEmbeddingType = positionEmbeddingType
    }

    public init(from decoder: any Decoder) throws {
        let defaults = BertConfig()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        modelType = try value(.modelType, defaults.modelType)
        vocabularySize = try value(.vocabularySize, defaults.vocabularySize)
        hiddenSize = try value(.hiddenSize, defaults.hiddenSize)
        layerCount = try value(.layerCount, defaults.layerCount)
        attentionHeadCount = try value(.attentionHeadCount, defaults.attentionHeadCount)
        intermediateSize = try value(.intermediateSize, defaults.intermediateSize)
        hiddenActivation = try value(.hiddenActivation, defaults.hiddenActivation)
        hiddenDropoutProbability = try value(.hiddenDropoutProbability, defaults.hiddenDropoutProbability)
        attentionDropoutProbability = try value(.attentionDropoutProbability, defaults.attentionDropoutProbability)
        maxPositionEmbeddings = try value(.maxPositionEmbeddings, defaults.maxPositionEmbeddings)
        typeVocabularySize = try value(.typeVocabularySize, defaults.typeVocabularySize)
        layerNormEpsilon = try value(.layerNormEpsilon, defaults.layerNormEpsilon)
        // RoBERTa configs may carry `"pad_token_id": null`; fall back to its usual id 1.
        let isRoberta = BertConfig.robertaFamily.contains(modelType)
        padTokenId = try value(.padTokenId, isRoberta ? 1 : defaults.padTokenId)
        positionEmbeddingType = try value(.positionEmbeddingType, defaults.positionEmbeddingType)
    }

    /// `bert-base-uncased`: 12 layers, width 768, 12 heads, feed-forward 3072.
    public static let base = BertConfig()

    /// Model types whose position ids start at `pad_token_id + 1` and skip padding.
    static let robertaFamily: Set<String> = ["roberta", "xlm-roberta", "camembert", "xlm-roberta-xl"]

    /// Whether positions are counted RoBERTa-style: non-padding tokens get
    /// `pad_token_id + 1, pad_token_id + 2, …` and padding tokens get `pad_token_id`.
    public var usesPaddingOffsetPositions: Bool { BertConfig.robertaFamily.contains(modelType) }

    /// The feed-forward activation.
    /// - Throws: `BertError.invalidConfig` for a name `Activation(name:)` does not know.
    public func activation() throws -> Activation {
        guard let activation = Activation(name: hiddenActivation) else {
            throw BertError.invalidConfig("hidden_act \"\(hiddenActivation)\" is not supported; use gelu, gelu_new or relu")
        }
        return activation
    }

    /// Checks that the sizes fit together.
    /// - Throws: `BertError.invalidConfig` naming the offending key.
    public func validate() throws {
        let positive: [(String, Int)] = [
            ("vocab_size", vocabularySize), ("hidden_size", hiddenSize), ("num_attention_heads", attentionHeadCount),
            ("intermediate_size", intermediateSize), ("max_position_embeddings", maxPositionEmbeddings),
            ("type_vocab_size", typeVocabularySize),
        ]
        for (key, size) in positive where size <= 0 {
            throw BertError.invalidConfig("\(key) is \(size); it must be positive")
        }
        guard layerCount >= 0 else { throw BertError.invalidConfig("num_hidden_layers is \(layerCount); it must be >= 0") }
        guard hiddenSize % attentionHeadCount == 0 else {
            throw BertError.invalidConfig("hidden_size \(hiddenSize) is not divisible by num_attention_heads \(attentionHeadCount)")
        }
        guard positionEmbeddingType == "absolute" else {
            throw BertError.invalidConfig("position_embedding_type \"\(positionEmbeddingType)\" is not supported; only \"absolute\" is")
        }
        guard padTokenId >= 0 && padTokenId < vocabularySize else {
            throw BertError.invalidConfig("pad_token_id \(padTokenId) is outside the vocabulary of \(vocabularySize)")
        }
        if usesPaddingOffsetPositions && padTokenId + 1 >= maxPositionEmbeddings {
            throw BertError.invalidConfig("max_position_embeddings \(maxPositionEmbeddings) leaves no position after pad_token_id \(padTokenId)")
        }
        for (key, p) in [("hidden_dropout_prob", hiddenDropoutProbability), ("attention_probs_dropout_prob", attentionDropoutProbability)]
        where !(p >= 0 && p < 1) {
            throw BertError.invalidConfig("\(key) is \(p); it must be in [0, 1)")
        }
        _ = try activation()
    }

    /// The longest sequence the position table can embed.
    public var maximumSequenceLength: Int {
        usesPaddingOffsetPositions ? maxPositionEmbeddings - padTokenId - 1 : maxPositionEmbeddings
    }
}
