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
public final class MultiHeadAttention: Module, RandomizedModule {
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
    /// The generator attention-dropout masks are drawn from (saved in training checkpoints).
    public var generator: RandomGenerator

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
        outProjection = Linear(inputSize: embedDimension, outputSize: embedDimension, bias: bias, generator: &generator)
        outProjection.bias?.updateInPlace { $0.update(repeating: 0) }
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
    ///   - attentionMask: an additive mask added to the scaled scores, broadcastable to
    ///     [B, h, Lq, Lk]: [Lq, Lk], [B, Lq, Lk] or [B, h, Lq, Lk] (use -infinity to forbid
    ///     a position). A query whose keys are all forbidden attends to nothing and gets
    ///     the output projection's bias (PyTorch gives NaN there).
    ///   - weights: whether to return the attention weights, averaged or per head.
    /// - Returns: the output [B, Lq, E] and, when requested, the attention weights after
    ///   softmax (before dropout; not differentiable).
    public func callAsFunction(
        query: Tensor, key: Tensor, value: Tensor,
        keyPaddingMask: [[Bool]]? = nil, attentionMask: Tensor? = nil,
        weights: WeightsOutput = .none
    ) -> (output: Tensor, weights: Tensor?) {
        precondition(query.rank == 3 && key.rank == 3 && value.rank == 3,
                     "MultiHeadAttention: expects [batch, length, \(embedDimension)] inputs, got \(query.shape), \(key.shape), \(value.shape)")
        let batch = query.shape[0], keyLength = key.shape[1]
        let e = embedDimension, h = headCount
        precondition(query.shape[2] == e && key.shape[2] == e && value.shape[2] == e,
                     "MultiHeadAttention: inputs must end in \(e), got \(query.shape), \(key.shape), \(value.shape)")
        precondition(key.shape[0] == batch && value.shape[0] == batch && value.shape[1] == keyLength,
                     "MultiHeadAttention: key \(key.shape) and value \(value.shape) do not match query \(query.shape)")

        let projected: [Tensor]
        if isSameTensor(query, key) && isSameTensor(key, value) {
            // Self-attention: one GEMM for the three projections.
            var all = query.matmul(inProjectionWeight, transposeOther: true)
            if let inProjectionBias { all = all + inProjectionBias }
            projected = all.split([e, e, e], axis: 2)
        } else {
            let weightParts = inProjectionWeight.split([e, e, e], axis: 0)
            let biasParts = inProjectionBias?.split([e, e, e], axis: 0)
            projected = [query, key, value].enumerated().map { index, input in
                let product = input.matmul(weightParts[index], transposeOther: true)
                return biasParts.map { product + $0[index] } ?? product
            }
        }
        var mask: Tensor?
        if let attentionMask {
            // [B, Lq, Lk] applies to every head.
            mask = attentionMask.rank == 3 ? attentionMask.detached().unsqueezed(1) : attentionMask.detached()
        }
        if let keyPaddingMask {
            precondition(keyPaddingMask.count == batch && keyPaddingMask.allSatisfy { $0.count == keyLength },
                         "MultiHeadAttention: key padding mask must be [\(batch)][\(keyLength)]")
            let padding = Tensor(shape: [batch, 1, 1, keyLength],
                                 scalars: keyPaddingMask.flatMap { $0.map { $0 ? -Float.infinity : 0 } })
            mask = mask.map { $0 + padding } ?? padding
        }
        let (context, probabilities) = Tensor.multiHeadAttention(
            query: projected[0], key: projected[1], value: projected[2], heads: h, mask: mask,
            dropout: isTraining ? dropoutProbability : 0, generator: &generator,
            returnWeights: weights != .none)
        let output = outProjection(context)
        switch weights {
        case .none: return (output, nil)
        case .averaged: return (output, probabilities?.mean(axis: 1))
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
