import NeuralNetwork
import Tensors

/// Which token's final state stands for the whole text in CLIP's text tower.
public enum CLIPTextPooling: Sendable, Equatable {
    /// The position of the highest id of each row: OpenAI's `text.argmax(dim=-1)`, right
    /// when `<|endoftext|>` (49407) is the largest id in the vocabulary; `transformers`
    /// does this for configs with `eos_token_id == 2`. Ties go to the first position.
    case highestTokenId
    /// The first position holding this end-of-text id (`transformers` 5.x for any other
    /// `eos_token_id`), right when added tokens have ids above the end-of-text id.
    case firstEndOfText(Int)

    /// The pooled position of each row of a row-major [batch, length] id matrix.
    /// - Throws: `CLIPError.invalidInput` when a row has no end-of-text id (`.firstEndOfText`).
    public func positions(ids: [Int], batch: Int, length: Int) throws -> [Int] {
        try (0..<batch).map { row in
            let tokens = Array(ids[(row * length)..<((row + 1) * length)])
            switch self {
            case .highestTokenId:
                var best = 0
                for (offset, id) in tokens.enumerated() where id > tokens[best] { best = offset }
                return best
            case let .firstEndOfText(id):
                guard let found = tokens.firstIndex(of: id) else {
                    throw CLIPError.invalidInput("row \(row) holds no end-of-text id \(id); encode texts with the model's tokenizer")
                }
                return found
            }
        }
    }
}

/// What CLIP's text tower returns for a batch of id rows.
public struct CLIPTextOutput {
    /// final_layer_norm of the last layer's output, [B, L, D].
    public let lastHiddenState: Tensor
    /// The state at each row's pooled position, [B, D] (`pooler_output`).
    public let pooled: Tensor
    /// The pooled position of each row.
    public let pooledPositions: [Int]
}

/// CLIP's text transformer (`transformers` `CLIPTextTransformer`/`CLIPTextModel`,
/// `models/clip/modeling_clip.py`; the text half of OpenAI's `CLIP` in `clip/model.py`):
///
/// ```
/// x = token_embedding(ids) + position_embedding(0..<L)       [B, L, D]
/// x = layers(x, causal ∧ padding mask)                       (pre-norm blocks, quick GELU)
/// h = final_layer_norm(x); pooled = h[b, pooled position of row b]
/// ```
/// Each token attends to itself and earlier tokens that the attention mask keeps.
///
/// Keys (relative to `text_model`): `embeddings.token_embedding.weight` [V, D],
/// `embeddings.position_embedding.weight` [P, D], `encoder.layers.N.*`
/// (`PreNormTransformerLayer.Keys.clip`), `final_layer_norm`.
public final class CLIPTextTransformer: Module {
    public var isTraining = true
    /// The hyper-parameters.
    public let config: CLIPTextConfig
    /// How rows are pooled.
    public let pooling: CLIPTextPooling
    /// Key `embeddings.token_embedding`.
    public let tokenEmbedding: Embedding
    /// Key `embeddings.position_embedding`.
    public let positionEmbedding: Embedding
    /// Keys `encoder.layers.N`.
    public let layers: ModuleList<PreNormTransformerLayer>
    /// Key `final_layer_norm`.
    public let finalNorm: LayerNorm

    /// A tower read from `weights` (the scope `text_model`); `pooling` defaults to the
    /// config's (`CLIPTextConfig.pooling`).
    /// - Throws: `CLIPError.invalidConfig`, or `WeightLoadingError` naming the key that is
    ///   missing or mis-shaped.
    public init(weights: WeightScope, config: CLIPTextConfig, pooling: CLIPTextPooling? = nil) throws {
        try config.validate()
        self.config = config
        self.pooling = pooling ?? config.pooling
        let d = config.hiddenSize
        let embeddings = weights.scoped("embeddings")
        tokenEmbedding = try Embedding(weights: embeddings.scoped("token_embedding"), count: config.vocabularySize, dimension: d)
        positionEmbedding = try Embedding(weights: embeddings.scoped("position_embedding"),
                                          count: config.maxPositionEmbeddings, dimension: d)
        let activation = try config.activation()
        let stack = weights.scoped("encoder.layers")
        layers = ModuleList(try (0..<config.layerCount).map { index in
            try PreNormTransformerLayer(weights: stack.scoped(index), keys: .clip, hiddenSize: d,
                                        intermediateSize: config.intermediateSize, headCount: config.attentionHeadCount,
                                        activation: activation, epsilon: config.layerNormEpsilon)
        })
        finalNorm = try LayerNorm(weights: weights.scoped("final_layer_norm"), dimension: d, epsilon: config.layerNormEpsilon)
    }

    /// A randomly initialised tower (embeddings and weights N(0, 0.02²), biases 0).
    /// - Throws: `CLIPError.invalidConfig`.
    public init(config: CLIPTextConfig, pooling: CLIPTextPooling? = nil, generator: inout RandomGenerator) throws {
        try config.validate()
        self.config = config
        self.pooling = pooling ?? config.pooling
        let d = config.hiddenSize
        let activation = try config.activation()
        tokenEmbedding = Embedding(weight: Tensor.randn([config.vocabularySize, d], std: 0.02, generator: &generator))
        positionEmbedding = Embedding(weight: Tensor.randn([config.maxPositionEmbeddings, d], std: 0.01, generator: &generator))
        var layerList: [PreNormTransformerLayer] = []
        for _ in 0..<config.layerCount {
            layerList.append(PreNormTransformerLayer(keys: .clip, hiddenSize: d, intermediateSize: config.intermediateSize,
                                                     headCount: config.attentionHeadCount, activation: activation,
                                                     epsilon: config.layerNormEpsilon, generator: &generator))
        }
        layers = ModuleList(layerList)
        finalNorm = LayerNorm(dimension: d, epsilon: config.layerNormEpsilon)
    }

    public var children: [(String, any Module)] {
        [("embeddings.token_embedding", tokenEmbedding), ("embeddings.position_embedding", positionEmbedding),
         ("encoder.layers", layers), ("final_layer_norm", finalNorm)]
    }

    /// Runs the tower on a batch of equally long id rows; `attentionMask` rows hold 1 for
    /// a token and 0 for padding (nil: no padding).
    /// - Throws: `CLIPError.invalidInput` for ragged rows, ids outside the vocabulary, rows
    ///   longer than the context or without an end-of-text id.
    public func callAsFunction(ids: [[Int]], attentionMask: [[Int]]? = nil) throws -> CLIPTextOutput {
        let length = ids.first?.count ?? 0
        guard ids.allSatisfy({ $0.count == length }), attentionMask.map({ $0.count == ids.count
            && $0.allSatisfy { $0.count == length } }) ?? true else {
            throw CLIPError.invalidInput("id and mask rows must all have one length; pad the batch")
        }
        return try self(ids: ids.flatMap { $0 }, batch: ids.count, length: length, attentionMask: attentionMask?.flatMap { $0 })
    }

    /// Runs the tower on row-major [batch, length] ids; see `callAsFunction(ids:attentionMask:)`.
    public func callAsFunction(ids: [Int], batch: Int, length: Int, attentionMask: [Int]? = nil) throws -> CLIPTextOutput {
        let d = config.hiddenSize
        guard batch > 0, length > 0, ids.count == batch * length else {
            throw CLIPError.invalidInput("\(ids.count) ids for a batch of \(batch) x \(length); pass at least one non-empty row")
        }
        guard length <= config.maxPositionEmbeddings else {
            throw CLIPError.invalidInput("sequence length \(length) exceeds the context of \(config.maxPositionEmbeddings) tokens; truncate the text")
        }
        if let bad = ids.first(where: { $0 < 0 || $0 >= config.vocabularySize }) {
            throw CLIPError.invalidInput("token id \(bad) is outside the vocabulary of \(config.vocabularySize); the tokenizer does not match the model")
        }
        if let attentionMask, attentionMask.count != ids.count {
            throw CLIPError.invalidInput("attention mask has \(attentionMask.count) entries for \(ids.count) ids")
        }
        let positions = try pooling.positions(ids: ids, batch: batch, length: length)
        let tokens = tokenEmbedding(ids, shape: [batch, length])
        var hidden = tokens + positionEmbedding.weight.slice(axis: 0, 0..<length).reshaped([1, length, d])
        let mask = CLIPTextTransformer.causalMask(attentionMask, batch: batch, length: length)
        for index in 0..<layers.count { hidden = layers[index](hidden, mask: mask) }
        hidden = finalNorm(hidden)
        let rows = positions.enumerated().map { $0.offset * length + $0.element }
        let pooled = hidden.reshaped([batch * length, d]).indexSelect(axis: 0, rows)
        return CLIPTextOutput(lastHiddenState: hidden, pooled: pooled, pooledPositions: positions)
    }

    /// The additive mask [B|1, L, L]: query i sees key j when j ≤ i and the key is not padding.
    static func causalMask(_ attentionMask: [Int]?, batch: Int, length: Int) -> Tensor {
        let rows = attentionMask == nil ? 1 : batch
        return Tensor(shape: [rows, length, length]) { buffer in
            for b in 0..<rows {
                for i in 0..<length {
                    for j in 0..<length {
                        let hidden = j > i || (attentionMask.map { $0[b * length + j] == 0 } ?? false)
                        buffer[(b * length + i) * length + j] = hidden ? -Float.infinity : 0
                    }
                }
            }
        }
    }
}
