import Foundation
import Tensors

/// Sentence embeddings from a BERT-family or DeBERTa encoder (any `TextEncoder`): tokenise, run the encoder in
/// batches without the autodiff graph, pool one hidden state and optionally
/// L2-normalise (sentence-transformers' Transformer → Pooling → Normalize chain).
///
/// ```swift
/// let directory = try HuggingFaceDirectory(url)
/// let embedder = try TextEmbedder(directory: directory)
/// let vectors = try embedder.embed(["A man is eating food."], options: .init(pooling: .mean, normalize: true))
/// // vectors: [1, 384] for all-MiniLM-L6-v2
/// ```
public struct TextEmbedder {
    /// How texts become vectors.
    public struct Options: Sendable, Equatable {
        /// Token pooling of the chosen hidden state.
        public var pooling: TokenPooling
        /// Whether each vector is scaled to unit L2 norm.
        public var normalize: Bool
        /// Which hidden state to pool: 0 is the embeddings' output, N the output of
        /// layer N; nil is the last layer.
        public var layer: Int?
        /// Texts per forward pass.
        public var batchSize: Int
        /// Longest encoding in tokens (special tokens included); nil is the embedder's
        /// `defaultMaxLength`.
        public var maxLength: Int?

        public init(pooling: TokenPooling = .mean, normalize: Bool = false, layer: Int? = nil,
                    batchSize: Int = 32, maxLength: Int? = nil) {
            self.pooling = pooling
            self.normalize = normalize
            self.layer = layer
            self.batchSize = batchSize
            self.maxLength = maxLength
        }
    }

    /// The encoder (in evaluation mode).
    public let model: any TextEncoder
    /// The tokenizer matching the encoder's vocabulary.
    public let tokenizer: any TextTokenizer
    /// The longest encoding used when the options give none.
    public let defaultMaxLength: Int

    /// An embedder over `model` and `tokenizer`; puts the model in evaluation mode.
    /// `defaultMaxLength` defaults to the model's position limit.
    public init(model: any TextEncoder, tokenizer: any TextTokenizer, defaultMaxLength: Int? = nil) {
        model.eval()
        self.model = model
        self.tokenizer = tokenizer
        self.defaultMaxLength = Swift.min(defaultMaxLength ?? model.maximumSequenceLength, model.maximumSequenceLength)
    }

    /// Loads the encoder and its tokenizer (WordPiece for BERT, byte-level BPE for the
    /// RoBERTa family, SentencePiece unigram from `tokenizer.json` for DeBERTa-v3) from a
    /// Hugging Face model directory. A sentence-transformers folder's
    /// `sentence_bert_config.json` sets `defaultMaxLength` (its `max_seq_length`).
    /// - Throws: the loading errors of `BertModel(directory:)` and the tokenizers.
    public init(directory: HuggingFaceDirectory) throws {
        let model: any TextEncoder
        let tokenizer: any TextTokenizer
        if try TextEncoders.isDeberta(directory) {
            model = try DebertaV2Model(directory: directory)
            tokenizer = try TokenizerLoader.load(directory: directory.url)
        } else {
            let bert = try BertModel(directory: directory)
            model = bert
            tokenizer = bert.config.usesPaddingOffsetPositions
                ? try BytePairTokenizer(directory: directory.url, flavour: .roberta)
                : try WordPieceTokenizer(directory: directory.url)
        }
        var maxLength: Int?
        if directory.contains("sentence_bert_config.json") {
            maxLength = try directory.decodeJSON(SentenceTransformerSettings.self, file: "sentence_bert_config.json").maxSequenceLength
        }
        self.init(model: model, tokenizer: tokenizer, defaultMaxLength: maxLength)
    }

    /// The part of sentence-transformers' `sentence_bert_config.json` read here.
    struct SentenceTransformerSettings: Decodable {
        let maxSequenceLength: Int?
        enum CodingKeys: String, CodingKey { case maxSequenceLength = "max_seq_length" }
    }

    /// Embeds `texts`: [N, H]. `progress` is called with the number of texts done after
    /// each batch. Texts are batched by length (less padding) and returned in input order.
    /// - Throws: `BertError.invalidInput` for a bad layer, batch size or maximum length,
    ///   or when the tokenizer produces ids the model cannot embed.
    public func embed(_ texts: [String], options: Options = Options(),
                      progress: ((Int) -> Void)? = nil) throws -> Tensor {
        let h = model.hiddenSize
        let layer = options.layer ?? model.layerCount
        guard (0...model.layerCount).contains(layer) else {
            throw BertError.invalidInput("layer \(layer) outside 0...\(model.layerCount) (0 is the embeddings' output)")
        }
        guard options.batchSize > 0 else { throw BertError.invalidInput("batch size \(options.batchSize) must be positive") }
        let limit = model.maximumSequenceLength
        let maxLength = options.maxLength ?? defaultMaxLength
        guard maxLength >= 2 && maxLength <= limit else {
            throw BertError.invalidInput("maximum length \(maxLength) outside 2...\(limit) for this model")
        }
        let encodings = texts.map { tokenizer.encode($0, maxLength: maxLength) }
        let order = encodings.indices.sorted { encodings[$0].count < encodings[$1].count }
        let result = TensorStorage(uninitializedCount: texts.count * h)
        var done = 0
        try withoutGradients {
            var start = 0
            while start < order.count {
                let members = Array(order[start..<Swift.min(start + options.batchSize, order.count)])
                let length = members.map { encodings[$0].count }.max() ?? 0
                var ids: [Int] = [], mask: [Int] = [], types: [Int] = []
                for index in members {
                    let padded = encodings[index].padded(to: length, padId: tokenizer.padId, padToken: tokenizer.padToken)
                    ids += padded.ids
                    mask += padded.attentionMask
                    types += padded.tokenTypeIds.map { Swift.max(0, Swift.min($0, model.typeVocabularySize - 1)) }
                }
                let output = try model(ids: ids, batch: members.count, length: length, attentionMask: mask, tokenTypeIds: types)
                var pooled = options.pooling(output.hiddenStates[layer], attentionMask: mask)
                if options.normalize { pooled = pooled.l2Normalized() }
                pooled.withUnsafeBufferPointer { rows in
                    for (row, index) in members.enumerated() {
                        for j in 0..<h { result.pointer[index * h + j] = rows[row * h + j] }
                    }
                }
                start += members.count
                done += members.count
                progress?(done)
            }
        }
        return Tensor(shape: [texts.count, h], storage: result)
    }
}
