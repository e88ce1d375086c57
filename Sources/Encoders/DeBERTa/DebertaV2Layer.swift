import Foundation
import NeuralNetwork
import Tensors

/// One transformer layer of DeBERTa-v2 / v3 (`transformers` `DebertaV2Layer`, post-norm)
/// with disentangled self-attention (`DisentangledSelfAttention`):
///
/// ```
/// Q = x W_qᵀ + b_q,  K = x W_kᵀ + b_k,  V = x W_vᵀ + b_v              (per head, width d)
/// P = LayerNorm_rel(E_rel)[0..<2k]                                     (relative embeddings)
/// K_r = P W_kᵀ + b_k,  Q_r = P W_qᵀ + b_q                              (share_att_key)
/// S[i, j] = ( Q_i·K_j + Q_i·K_r[c(i, j)] + K_j·Q_r[p(j, i)] ) / √(d · s)
/// c(i, j) = clamp(r(i, j) + k, 0, 2k − 1),  p(j, i) = clamp(−r(j, i) + k, 0, 2k − 1)
/// a = LayerNorm₁(softmax(S) V W_oᵀ + b_o + x)
/// y = LayerNorm₂(act(a W_iᵀ + b_i) W_2ᵀ + b_2 + a)
/// ```
/// where r is `RelativePositions.bucket(i − j)`, k the `relativeSpan`, s = 1 + the number of
/// relative terms (`scaleFactor`), and each term appears only when `pos_att_type` names it
/// (`c2p`, `p2c`). Padding: S is set to the lowest Float32 wherever the query or the key is
/// padding, so padding queries attend uniformly (as `transformers` does).
///
/// Keys (relative to `encoder.layer.N`): `attention.self.{query,key,value}_proj`,
/// `attention.self.pos_key_proj` / `pos_query_proj` (only without `share_att_key`),
/// `attention.output.dense`, `attention.output.LayerNorm`, `intermediate.dense`,
/// `output.dense`, `output.LayerNorm`.
public final class DebertaV2Layer: Module {
    public var isTraining = true
    /// Key `attention.self.query_proj`.
    public let query: Linear
    /// Key `attention.self.key_proj`.
    public let key: Linear
    /// Key `attention.self.value_proj`.
    public let value: Linear
    /// Key `attention.self.pos_key_proj`; nil with `share_att_key` or without `c2p`.
    public let positionKey: Linear?
    /// Key `attention.self.pos_query_proj`; nil with `share_att_key` or without `p2c`.
    public let positionQuery: Linear?
    /// Key `attention.output.dense`.
    public let attentionOutput: Linear
    /// Key `attention.output.LayerNorm`.
    public let attentionNorm: LayerNorm
    /// Key `intermediate.dense`.
    public let intermediate: Linear
    /// Key `output.dense`.
    public let output: Linear
    /// Key `output.LayerNorm`.
    public let outputNorm: LayerNorm
    /// The feed-forward activation (`hidden_act`).
    public let activation: Activation
    let config: DebertaV2Config
    let attentionDropout: Dropout
    let hiddenDropout: Dropout
    let positionDropout: Dropout

    /// A layer initialised as `transformers` does: weights N(0, 0.02²), biases 0, γ = 1, β = 0.
    public init(config: DebertaV2Config, generator: inout RandomGenerator) throws {
        let h = config.hiddenSize, i = config.intermediateSize
        func dense(_ input: Int, _ output: Int) -> Linear {
            Linear(weight: Tensor.randn([output, input], std: 0.02, generator: &generator), bias: Tensor.zeros([output]))
        }
        query = dense(h, h)
        key = dense(h, h)
        value = dense(h, h)
        positionKey = !config.shareAttentionKey && config.usesContentToPosition ? dense(h, h) : nil
        positionQuery = !config.shareAttentionKey && config.usesPositionToContent ? dense(h, h) : nil
        attentionOutput = dense(h, h)
        attentionNorm = LayerNorm(dimension: h, epsilon: config.layerNormEpsilon)
        intermediate = dense(h, i)
        output = dense(i, h)
        outputNorm = LayerNorm(dimension: h, epsilon: config.layerNormEpsilon)
        activation = try config.activation()
        self.config = config
        attentionDropout = Dropout(probability: config.attentionDropoutProbability, generator: &generator)
        hiddenDropout = Dropout(probability: config.hiddenDropoutProbability, generator: &generator)
        positionDropout = Dropout(probability: config.hiddenDropoutProbability, generator: &generator)
    }

    /// A layer read from `weights` (the scope `encoder.layer.N`).
    /// - Throws: `WeightLoadingError` naming the key that is missing or mis-shaped.
    public init(weights: WeightScope, config: DebertaV2Config, seed: UInt64 = 0) throws {
        let h = config.hiddenSize, i = config.intermediateSize, epsilon = config.layerNormEpsilon
        let attention = weights.scoped("attention")
        let selfScope = attention.scoped("self")
        query = try Linear(weights: selfScope.scoped("query_proj"), inputSize: h, outputSize: h)
        key = try Linear(weights: selfScope.scoped("key_proj"), inputSize: h, outputSize: h)
        value = try Linear(weights: selfScope.scoped("value_proj"), inputSize: h, outputSize: h)
        positionKey = !config.shareAttentionKey && config.usesContentToPosition
            ? try Linear(weights: selfScope.scoped("pos_key_proj"), inputSize: h, outputSize: h) : nil
        positionQuery = !config.shareAttentionKey && config.usesPositionToContent
            ? try Linear(weights: selfScope.scoped("pos_query_proj"), inputSize: h, outputSize: h) : nil
        attentionOutput = try Linear(weights: attention.scoped("output.dense"), inputSize: h, outputSize: h)
        attentionNorm = try LayerNorm(weights: attention.scoped("output.LayerNorm"), dimension: h, epsilon: epsilon)
        intermediate = try Linear(weights: weights.scoped("intermediate.dense"), inputSize: h, outputSize: i)
        output = try Linear(weights: weights.scoped("output.dense"), inputSize: i, outputSize: h)
        outputNorm = try LayerNorm(weights: weights.scoped("output.LayerNorm"), dimension: h, epsilon: epsilon)
        activation = try config.activation()
        self.config = config
        var seeds = RandomGenerator(seed: seed)
        attentionDropout = Dropout(probability: config.attentionDropoutProbability, generator: &seeds)
        hiddenDropout = Dropout(probability: config.hiddenDropoutProbability, generator: &seeds)
        positionDropout = Dropout(probability: config.hiddenDropoutProbability, generator: &seeds)
    }

    public var children: [(String, any Module)] {
        var result: [(String, any Module)] = [
            ("attention.self.query_proj", query), ("attention.self.key_proj", key), ("attention.self.value_proj", value)]
        if let positionKey { result.append(("attention.self.pos_key_proj", positionKey)) }
        if let positionQuery { result.append(("attention.self.pos_query_proj", positionQuery)) }
        result += [("attention.output.dense", attentionOutput), ("attention.output.LayerNorm", attentionNorm),
                   ("intermediate.dense", intermediate), ("output.dense", output), ("output.LayerNorm", outputNorm),
                   ("attention.self.dropout", attentionDropout), ("output.dropout", hiddenDropout),
                   ("attention.self.pos_dropout", positionDropout)]
        return result
    }

    /// The layer applied to `hiddenState` [B, L, H].
    ///
    /// - Parameters:
    ///   - maskFill: [B, 1, L, L], 1 where query or key is padding; nil attends everywhere.
    ///   - relativeEmbeddings: the normalised relative table [2k, H] (nil without relative attention).
    ///   - relativeIndex: the relative positions r(i, j), [L·L] row-major.
    func callAsFunction(_ hiddenState: Tensor, maskFill: Tensor?, relativeEmbeddings: Tensor?,
                        relativeIndex: [Int]) -> Tensor {
        let batch = hiddenState.shape[0], length = hiddenState.shape[1]
        let heads = config.attentionHeadCount, d = config.headSize
        func heads4(_ x: Tensor, rows: [Int]) -> Tensor {
            x.reshaped(rows + [heads, d]).permuted(rows.count == 2 ? [0, 2, 1, 3] : [1, 0, 2])
        }
        let q = heads4(query.affine(hiddenState), rows: [batch, length])
        let k = heads4(key.affine(hiddenState), rows: [batch, length])
        let v = heads4(value.affine(hiddenState), rows: [batch, length])
        var scores = q.matmul(k, transposeOther: true)
        if let relativeEmbeddings {
            let span = config.relativeSpan
            let table = positionDropout(relativeEmbeddings)
            let flat = batch * heads
            if config.usesContentToPosition {
                let positionKeys = heads4((positionKey ?? key).affine(table), rows: [2 * span])
                let all = q.matmul(positionKeys.reshaped([1, heads, 2 * span, d]), transposeOther: true)
                let index = RelativePositions.contentToPositionIndex(relativeIndex, span: span)
                scores = scores + all.reshaped([flat, length, 2 * span]).gatheringRelative(index, transposed: false)
                    .reshaped([batch, heads, length, length])
            }
            if config.usesPositionToContent {
                let positionQueries = heads4((positionQuery ?? query).affine(table), rows: [2 * span])
                let all = k.matmul(positionQueries.reshaped([1, heads, 2 * span, d]), transposeOther: true)
                let index = RelativePositions.positionToContentIndex(relativeIndex, span: span)
                scores = scores + all.reshaped([flat, length, 2 * span]).gatheringRelative(index, transposed: true)
                    .reshaped([batch, heads, length, length])
            }
        }
        scores = scores * Tensor(scalar: 1 / (Float(d * config.scaleFactor)).squareRoot())
        if let maskFill { scores = scores.maskedFill(maskFill, with: -Float.greatestFiniteMagnitude) }
        let probabilities = attentionDropout(scores.softmax(axis: -1))
        let context = probabilities.matmul(v).permuted([0, 2, 1, 3]).reshaped([batch, length, heads * d])
        let attended = attentionOutput.closingSublayer(context, norm: attentionNorm, residual: hiddenState,
                                                       dropout: hiddenDropout, training: isTraining)
        return postNormFeedForward(attended, intermediate: intermediate, output: output, norm: outputNorm,
                                   activation: activation, dropout: hiddenDropout, training: isTraining)
    }
}
