import Foundation

/// Multi-head scaled dot-product attention, `torch.nn.MultiheadAttention(batch_first=True)`,
/// for self-attention (query = key = value) and cross-attention (query from one sequence,
/// key and value from another).
///
/// With Q = query W_qᵀ + b_q, K = key W_kᵀ + b_k, V = value W_vᵀ + b_v split into h heads
/// of size d = E/h:
/// headᵢ = softmax(Qᵢ Kᵢᵀ / √d + mask) Vᵢ, output = concat(head₁ … head_h) W_oᵀ + b_o.
///
/// Shapes: query [B, Lq, E], key and value [B, Lk, E] → output [B, Lq, E].
/// Keys: `in_proj_weight` [3E, E] (rows W_q, W_k, W_v), `in_proj_bias` [3E],
/// `out_proj.weight` [E, E], `out_proj.bias` [E].
public final class MultiHeadAttention: Module {
    public var isTraining = true
    /// E, the model width.
    public let embedDimension: Int
    /// h, the number of heads.
    public let headCount: Int
    /// Dropout probability on the attention weights (training only).
    public let dropoutProbability: Float
    /// [3E, E]: the query, key and value projections stacked.
    public let inProjectionWeight: Tensor
    /// [3E], or nil without bias.
    public let inProjectionBias: Tensor?
    /// The output projection, key `out_proj`.
    public let outProjection: Linear
    private var generator: RandomGenerator

    /// Size of one head, E/h.
    public var headDimension: Int { embedDimension / headCount }

    /// A layer with PyTorch's initialisation: `in_proj_weight` Xavier-uniform, biases zero,
    /// `out_proj.weight` as `Linear`'s default. Dropout masks come from a generator split
    /// off `generator`.
    public init(embedDimension: Int, headCount: Int, dropout: Float = 0, bias: Bool = true,
                generator: inout RandomGenerator) {
        precondition(headCount > 0 && embedDimension % headCount == 0,
                     "MultiHeadAttention: embedDimension \(embedDimension) not divisible by headCount \(headCount)")
        self.embedDimension = embedDimension
        self.headCount = headCount
        self.dropoutProbability = dropout
        inProjectionWeight = Initializer.xavierUniform([3 * embedDimension, embedDimension], generator: &generator)
        inProjectionBias = bias ? Initializer.zeros([3 * embedDimension]) : nil
        let projection = Linear(inputSize: embedDimension, outputSize: embedDimension, bias: false, generator: &generator)
        outProjection = Linear(weight: projection.weight, bias: bias ? Tensor.zeros([embedDimension]) : nil)
        self.generator = generator.split()
    }

    /// A layer reading `in_proj_weight`, `in_proj_bias`, `out_proj.weight` and
    /// `out_proj.bias` from `weights`; dropout masks come from a generator seeded with `seed`.
    /// - Throws: `WeightLoadingError` naming the key that is missing or mis-shaped.
    public init(weights: WeightScope, embedDimension: Int, headCount: Int, dropout: Float = 0,
                bias: Bool = true, seed: UInt64 = 0) throws {
        precondition(headCount > 0 && embedDimension % headCount == 0,
                     "MultiHeadAttention: embedDimension \(embedDimension) not divisible by headCount \(headCount)")
        self.embedDimension = embedDimension
        self.headCount = headCount
        self.dropoutProbability = dropout
        inProjectionWeight = try weights.tensor("in_proj_weight", shape: [3 * embedDimension, embedDimension])
        inProjectionBias = bias ? try weights.tensor("in_proj_bias", shape: [3 * embedDimension]) : nil
        outProjection = try Linear(weights: weights.scoped("out_proj"), inputSize: embedDimension,
                                   outputSize: embedDimension, bias: bias)
        generator = RandomGenerator(seed: seed)
    }

    public var ownParameters: [(String, Tensor)] {
        var result = [("in_proj_weight", inProjectionWeight)]
        if let inProjectionBias { result.append(("in_proj_bias", inProjectionBias)) }
        return result
    }

    public var children: [(String, any Module)] { [("out_proj", outProjection)] }

    /// How attention weights are returned.
    public enum WeightsOutput: Sendable {
        /// Not computed for the caller.
        case none
        /// Averaged over heads: [B, Lq, Lk].
        case averaged
        /// One map per head: [B, h, Lq, Lk].
        case perHead
    }

    /// Attends from `query` to `key`/`value`.
    ///
    /// - Parameters:
    ///   - query: [B, Lq, E].
    ///   - key: [B, Lk, E].
    ///   - value: [B, Lk, E].
    ///   - keyPaddingMask: [B][Lk], true where a key position is padding and must be ignored.
    ///   - attentionMask: an additive mask added to the scaled scores, [Lq, Lk] or
    ///     [B, h, Lq, Lk] (use -infinity to forbid a position).
    ///   - weights: whether to return the attention weights, averaged or per head.
    /// - Returns: the output [B, Lq, E] and the attention weights after softmax (before
    ///   dropout) when requested.
    public func callAsFunction(
        query: Tensor, key: Tensor, value: Tensor,
        keyPaddingMask: [[Bool]]? = nil, attentionMask: Tensor? = nil,
        weights: WeightsOutput = .none
    ) -> (output: Tensor, weights: Tensor?) {
        precondition(query.rank == 3 && key.rank == 3 && value.rank == 3,
                     "MultiHeadAttention: expects [batch, length, \(embedDimension)] inputs, got \(query.shape), \(key.shape), \(value.shape)")
        let batch = query.shape[0], queryLength = query.shape[1], keyLength = key.shape[1]
        let e = embedDimension, h = headCount, d = headDimension
        precondition(query.shape[2] == e && key.shape[2] == e && value.shape[2] == e,
                     "MultiHeadAttention: inputs must end in \(e), got \(query.shape), \(key.shape), \(value.shape)")
        precondition(key.shape[0] == batch && value.shape[0] == batch && value.shape[1] == keyLength,
                     "MultiHeadAttention: key \(key.shape) and value \(value.shape) do not match query \(query.shape)")

        let projected: [Tensor]
        let weightParts = inProjectionWeight.split([e, e, e], axis: 0)
        let biasParts = inProjectionBias?.split([e, e, e], axis: 0)
        func project(_ x: Tensor, _ i: Int) -> Tensor {
            let y = x.matmul(weightParts[i], transposeOther: true)
            return biasParts.map { y + $0[i] } ?? y
        }
        if isSameTensor(query, key) && isSameTensor(key, value) {
            // Self-attention: one GEMM for the three projections.
            var all = query.matmul(inProjectionWeight, transposeOther: true)
            if let inProjectionBias { all = all + inProjectionBias }
            projected = all.split([e, e, e], axis: 2)
        } else {
            projected = [project(query, 0), project(key, 1), project(value, 2)]
        }
        // [B, L, E] → [B, h, L, d]
        func heads(_ x: Tensor, _ length: Int) -> Tensor {
            x.reshaped([batch, length, h, d]).permuted([0, 2, 1, 3])
        }
        let q = heads(projected[0] * (1 / Float(d).squareRoot()), queryLength)
        let k = heads(projected[1], keyLength)
        let v = heads(projected[2], keyLength)

        var scores = q.matmul(k, transposeOther: true)   // [B, h, Lq, Lk]
        if let attentionMask {
            precondition(attentionMask.shape == [queryLength, keyLength]
                         || attentionMask.shape == [batch, h, queryLength, keyLength],
                         "MultiHeadAttention: attention mask \(attentionMask.shape) must be [\(queryLength), \(keyLength)] or [\(batch), \(h), \(queryLength), \(keyLength)]")
            scores = scores + attentionMask
        }
        if let keyPaddingMask {
            precondition(keyPaddingMask.count == batch && keyPaddingMask.allSatisfy { $0.count == keyLength },
                         "MultiHeadAttention: key padding mask must be [\(batch)][\(keyLength)]")
            let mask = Tensor(shape: [batch, 1, 1, keyLength], scalars: keyPaddingMask.flatMap { $0.map { $0 ? 1 : 0 } })
            scores = scores.maskedFill(mask, with: -.infinity)
        }
        let probabilities = scores.softmax(axis: -1)
        var attended = probabilities
        if isTraining && dropoutProbability > 0 {
            attended = attended.dropout(probability: dropoutProbability, generator: &generator)
        }
        let context = attended.matmul(v)                  // [B, h, Lq, d]
            .permuted([0, 2, 1, 3]).reshaped([batch, queryLength, e])
        let output = outProjection(context)
        switch weights {
        case .none: return (output, nil)
        case .averaged: return (output, probabilities.mean(axis: 1))
        case .perHead: return (output, probabilities)
        }
    }

    /// Self-attention: `query`, `key` and `value` are all `input` [B, L, E].
    public func callAsFunction(
        _ input: Tensor, keyPaddingMask: [[Bool]]? = nil, attentionMask: Tensor? = nil,
        weights: WeightsOutput = .none
    ) -> (output: Tensor, weights: Tensor?) {
        self(query: input, key: input, value: input, keyPaddingMask: keyPaddingMask,
             attentionMask: attentionMask, weights: weights)
    }
}

/// Whether two tensors are the same value (same storage, shape and autodiff status), so
/// one projection GEMM can serve both.
private func isSameTensor(_ a: Tensor, _ b: Tensor) -> Bool {
    a.shape == b.shape && a.storage === b.storage && a.requiresGrad == b.requiresGrad
}
