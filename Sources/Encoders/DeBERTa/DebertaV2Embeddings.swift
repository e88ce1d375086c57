import NeuralNetwork
import Tensors

/// The input embeddings of DeBERTa-v2 / v3 (`transformers` `DebertaV2Embeddings`):
///
/// ```
/// e = word(ids) [+ position(0..<L) if position_biased_input] [+ type(ids) if type_vocab_size > 0]
/// y = dropout(LayerNorm(e W_projᵀ) · mask)          (W_proj only when embedding_size ≠ H)
/// ```
/// Padding positions (mask 0) come out as zero vectors.
///
/// Keys: `word_embeddings.weight` [V, E], `position_embeddings.weight` [P, E] (only with
/// `position_biased_input`), `token_type_embeddings.weight` [T, E] (only when T > 0),
/// `embed_proj.weight` [H, E] (only when E ≠ H), `LayerNorm.weight`, `LayerNorm.bias` [H].
public final class DebertaV2Embeddings: Module {
    public var isTraining = true
    /// Key `word_embeddings`.
    public let wordEmbeddings: Embedding
    /// Key `position_embeddings`; nil without `position_biased_input` (DeBERTa-v3).
    public let positionEmbeddings: Embedding?
    /// Key `token_type_embeddings`; nil when `type_vocab_size` is 0 (DeBERTa-v3).
    public let tokenTypeEmbeddings: Embedding?
    /// Key `embed_proj` (no bias); nil when `embedding_size` equals `hidden_size`.
    public let projection: Linear?
    /// Key `LayerNorm`.
    public let norm: LayerNorm
    /// Dropout after the mask (training only).
    public let dropout: Dropout
    let config: DebertaV2Config

    /// Embeddings initialised as `transformers` does: tables N(0, 0.02²) (the padding row of
    /// the word table zero), γ = 1, β = 0.
    public init(config: DebertaV2Config, generator: inout RandomGenerator) {
        self.config = config
        let e = config.embeddingSize ?? config.hiddenSize, h = config.hiddenSize
        let words = Tensor.randn([config.vocabularySize, e], std: 0.02, generator: &generator)
        words.updateInPlace { buffer in
            for j in 0..<e { buffer[config.padTokenId * e + j] = 0 }
        }
        wordEmbeddings = Embedding(weight: words)
        positionEmbeddings = config.positionBiasedInput
            ? Embedding(weight: Tensor.randn([config.maxPositionEmbeddings, e], std: 0.02, generator: &generator)) : nil
        tokenTypeEmbeddings = config.typeVocabularySize > 0
            ? Embedding(weight: Tensor.randn([config.typeVocabularySize, e], std: 0.02, generator: &generator)) : nil
        projection = e != h ? Linear(weight: Tensor.randn([h, e], std: 0.02, generator: &generator), bias: nil) : nil
        norm = LayerNorm(dimension: h, epsilon: config.layerNormEpsilon)
        dropout = Dropout(probability: config.hiddenDropoutProbability, generator: &generator)
    }

    /// Embeddings read from `weights` (the `embeddings` scope of a checkpoint).
    /// - Throws: `WeightLoadingError` naming the key that is missing or mis-shaped.
    public init(weights: WeightScope, config: DebertaV2Config, seed: UInt64 = 0) throws {
        self.config = config
        let e = config.embeddingSize ?? config.hiddenSize, h = config.hiddenSize
        wordEmbeddings = try Embedding(weights: weights.scoped("word_embeddings"), count: config.vocabularySize, dimension: e)
        positionEmbeddings = config.positionBiasedInput
            ? try Embedding(weights: weights.scoped("position_embeddings"), count: config.maxPositionEmbeddings, dimension: e)
            : nil
        tokenTypeEmbeddings = config.typeVocabularySize > 0
            ? try Embedding(weights: weights.scoped("token_type_embeddings"), count: config.typeVocabularySize, dimension: e)
            : nil
        projection = e != h ? try Linear(weights: weights.scoped("embed_proj"), inputSize: e, outputSize: h, bias: false) : nil
        norm = try LayerNorm(weights: weights.scoped("LayerNorm"), dimension: h, epsilon: config.layerNormEpsilon)
        dropout = Dropout(probability: config.hiddenDropoutProbability, seed: seed)
    }

    public var children: [(String, any Module)] {
        var result: [(String, any Module)] = [("word_embeddings", wordEmbeddings)]
        if let positionEmbeddings { result.append(("position_embeddings", positionEmbeddings)) }
        if let tokenTypeEmbeddings { result.append(("token_type_embeddings", tokenTypeEmbeddings)) }
        if let projection { result.append(("embed_proj", projection)) }
        result += [("LayerNorm", norm), ("dropout", dropout)]
        return result
    }

    /// Embeds validated ids: [batch, length] → [batch, length, H]; `mask` [B·L] zeroes padding.
    func callAsFunction(ids: [Int], tokenTypeIds: [Int]?, mask: [Int]?, batch: Int, length: Int) -> Tensor {
        var summed = BertEmbeddings.lookup(wordEmbeddings, ids, padding: config.padTokenId)
        if let positionEmbeddings {
            summed = summed + positionEmbeddings.weight.indexSelect(axis: 0, (0..<(batch * length)).map { $0 % length })
        }
        if let tokenTypeEmbeddings {
            summed = summed + tokenTypeEmbeddings.weight.indexSelect(axis: 0, tokenTypeIds ?? [Int](repeating: 0, count: ids.count))
        }
        if let projection { summed = summed.matmul(projection.weight, transposeOther: true) }
        var normalized = norm(summed)
        if let mask {
            normalized = normalized * Tensor(shape: [ids.count, 1], scalars: mask.map { $0 != 0 ? 1 : 0 })
        }
        return dropout(normalized).reshaped([batch, length, config.hiddenSize])
    }
}
