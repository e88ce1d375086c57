import Foundation
import NeuralNetwork
import Tensors

/// A transformer text encoder that returns every layer's hidden states: `BertModel`
/// (BERT, RoBERTa, MiniLM) and `DebertaV2Model` (DeBERTa-v2 / v3). `TextEmbedder` and the
/// feature extractor use any of them through this interface.
public protocol TextEncoder: Module {
    /// Width H of every hidden state.
    var hiddenSize: Int { get }
    /// Number of transformer layers; `hiddenStates` has `layerCount + 1` entries.
    var layerCount: Int { get }
    /// Longest input in tokens.
    var maximumSequenceLength: Int { get }
    /// Rows of the token-type table (0 when the model has none and ignores token types).
    var typeVocabularySize: Int { get }

    /// Runs the encoder on row-major [batch, length] ids with an optional 0/1 attention mask
    /// and token type ids.
    func callAsFunction(ids: [Int], batch: Int, length: Int, attentionMask: [Int]?,
                        tokenTypeIds: [Int]?) throws -> BertOutput
}

extension BertModel: TextEncoder {
    public var hiddenSize: Int { config.hiddenSize }
    public var layerCount: Int { config.layerCount }
    public var maximumSequenceLength: Int { config.maximumSequenceLength }
    public var typeVocabularySize: Int { config.typeVocabularySize }
}

extension DebertaV2Model: TextEncoder {
    public var hiddenSize: Int { config.hiddenSize }
    public var layerCount: Int { config.layerCount }
    public var maximumSequenceLength: Int { config.maxPositionEmbeddings }
    public var typeVocabularySize: Int { config.typeVocabularySize }
}

/// Picks the encoder class of a Hugging Face model directory.
public enum TextEncoders {
    /// The `model_type` values read as DeBERTa-v2 / v3.
    public static let debertaModelTypes: Set<String> = ["deberta-v2", "deberta_v2"]

    /// Whether `directory`'s `config.json` names a DeBERTa-v2 / v3 model.
    /// - Throws: `HuggingFaceDirectoryError` for a missing or malformed `config.json`.
    public static func isDeberta(_ directory: HuggingFaceDirectory) throws -> Bool {
        struct ModelType: Decodable { var model_type: String? }
        let type = try directory.decodeJSON(ModelType.self, file: "config.json").model_type ?? ""
        return debertaModelTypes.contains(type.lowercased())
    }

    /// Loads the encoder of `directory`: `DebertaV2Model` when `config.json`'s `model_type`
    /// is `deberta-v2`, else `BertModel` (BERT / RoBERTa family).
    /// - Throws: the loading errors of `DebertaV2Model(directory:)` / `BertModel(directory:)`.
    public static func load(directory: HuggingFaceDirectory) throws -> any TextEncoder {
        try isDeberta(directory) ? try DebertaV2Model(directory: directory) : try BertModel(directory: directory)
    }
}
