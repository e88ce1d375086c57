import NeuralNetwork
import Tensors

/// The input embeddings of BERT and RoBERTa (`transformers` `BertEmbeddings` /
/// `RobertaEmbeddings`): LayerNorm(word + position + token type), then dropout.
///
/// Positions: BERT numbers the tokens 0, 1, …; RoBERTa gives non-padding tokens
/// `pad + 1, pad + 2, …` (counting only non-padding tokens) and padding tokens `pad`.
/// Keys: `word_embeddings.weight` [V, H], `position_embeddings.weight` [P, H],
/// `token_type_embeddings.weight` [T, H], `LayerNorm.weight`, `LayerNorm.bias` [H].
public final class BertEmbeddings: Module {
    public var isTraining = true
    /// Word-piece vectors, key `word_embeddings`.
    public let wordEmbeddings: Embedding
    /// Position vectors, key `position_embeddings`.
    public let positionEmbeddings: Embedding
    /// Segment vectors, key `token_type_embeddings`.
    public let tokenTypeEmbeddings: Embedding
    /// Key `LayerNorm`.
    public let norm: LayerNorm
    /// Dropout after the normalisation (training only).
    public let dropout: Dropout
    let config: BertConfig

    /// Embeddings initialised as `transformers` does: every table N(0, 0.02²)
    /// (the padding row of the word table zero), γ = 1, β = 0.
    public init(config: BertConfig, generator: inout RandomGenerator) {
        self.config = config
        let h = config.hiddenSize
        let words = Tensor.randn([config.vocabularySize, h], std: 0.02, generator: &generator)
        words.updateInPlace { buffer in
            for j in 0..<h { buffer[config.padTokenId * h + j] = 0 }
        }
        wordEmbeddings = Embedding(weight: words)
        positionEmbeddings = Embedding(weight: Tensor.randn([config.maxPositionEmbeddings, h], std: 0.02, generator: &generator))
        tokenTypeEmbeddings = Embedding(weight: Tensor.randn([config.typeVocabularySize, h], std: 0.02, generator: &generator))
        norm = LayerNorm(dimension: h, epsilon: config.layerNormEpsilon)
        dropout = Dropout(probability: config.hiddenDropoutProbability, generator: &generator)
    }

    /// Embeddings read from `weights` (the `embeddings` scope of a checkpoint).
    /// - Throws: `WeightLoadingError` naming the key that is missing or mis-shaped.
    public init(weights: WeightScope, config: BertConfig, seed: UInt64 = 0) throws {
        self.config = config
        let h = config.hiddenSize
        wordEmbeddings = try Embedding(weights: weights.scoped("word_embeddings"), count: config.vocabularySize, dimension: h)
        positionEmbeddings = try Embedding(weights: weights.scoped("position_embeddings"),
                                           count: config.maxPositionEmbeddings, dimension: h)
        tokenTypeEmbeddings = try Embedding(weights: weights.scoped("token_type_embeddings"),
                                            count: config.typeVocabularySize, dimension: h)
        norm = try LayerNorm(weights: weights.scoped("LayerNorm"), dimension: h, epsilon: config.layerNormEpsilon)
        dropout = Dropout(probability: config.hiddenDropoutProbability, seed: seed)
    }

    public var children: [(String, any Module)] {
        [("word_embeddings", wordEmbeddings), ("position_embeddings", positionEmbeddings),
         ("token_type_embeddings", tokenTypeEmbeddings), ("LayerNorm", norm), ("dropout", dropout)]
    }

    /// The position id of every token of a [batch, length] id matrix (row-major).
    public func positionIds(for ids: [Int], batch: Int, length: Int) -> [Int] {
        guard config.usesPaddingOffsetPositions else {
            return (0..<(batch * length)).map { $0 % length }
        }
        let pad = config.padTokenId
        var positions = [Int](repeating: pad, count: ids.count)
        for b in 0..<batch {
            var seen = 0
            for t in 0..<length where ids[b * length + t] != pad {
                seen += 1
                positions[b * length + t] = pad + seen
            }
        }
        return positions
    }

    /// Embeds validated ids: [batch, length] → [batch, length, H].
    func callAsFunction(ids: [Int], tokenTypeIds: [Int]?, batch: Int, length: Int) -> Tensor {
        let h = config.hiddenSize
        let positions = positionIds(for: ids, batch: batch, length: length)
        let words = BertEmbeddings.lookup(wordEmbeddings, ids, padding: config.padTokenId)
        let places = config.usesPaddingOffsetPositions
            ? BertEmbeddings.lookup(positionEmbeddings, positions, padding: config.padTokenId)
            : positionEmbeddings.weight.indexSelect(axis: 0, positions)
        let types = tokenTypeEmbeddings.weight.indexSelect(axis: 0, tokenTypeIds ?? [Int](repeating: 0, count: ids.count))
        let summed = norm(words + places + types)
        return dropout(summed).reshaped([batch, length, h])
    }

    /// Rows `ids` of `table`, [N, H]; rows looked up for the `padding` id pass no gradient
    /// back, as `nn.Embedding(padding_idx=…)` (the padding vector never trains).
    static func lookup(_ table: Embedding, _ ids: [Int], padding: Int) -> Tensor {
        let rows = table.weight.indexSelect(axis: 0, ids)
        guard table.weight.requiresGrad, ids.contains(padding) else { return rows }
        let keep = Tensor(shape: [ids.count, 1], scalars: ids.map { $0 == padding ? 0 : 1 })
        return Tensor.where(keep, rows, rows.detached())
    }
}
