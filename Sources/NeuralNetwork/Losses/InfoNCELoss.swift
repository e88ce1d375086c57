/// InfoNCE with an external queue of negatives, as in MoCo (He et al. 2020, Algorithm 1).
///
/// For queries q [N, d], their positive keys k⁺ [N, d] and a queue of negative keys
/// [K, d] (all usually L2-normalised by the caller):
///
///     logits_i = [ q_i · k⁺_i , q_i · queue_1 , … , q_i · queue_K ] / τ      shape [N, 1 + K]
///     ℓ_i      = cross-entropy(logits_i, class 0)
///
/// The queue is detached: no gradient flows into it (in MoCo it holds past keys of the
/// momentum encoder). Queries receive gradients, and so do the positive keys when they
/// require them (pass `keys.detached()` for MoCo's stop-gradient on k⁺). Composed from
/// tensor ops and the fused `CrossEntropyLoss`.
public struct InfoNCELoss: Sendable {
    /// Temperature τ > 0 dividing the similarities.
    public var temperature: Float
    /// How the per-query losses combine.
    public var reduction: LossReduction

    public init(temperature: Float = 0.07, reduction: LossReduction = .mean) {
        self.temperature = temperature
        self.reduction = reduction
    }

    /// The loss of `queries` [N, d] with positives `keys` [N, d] against `queue` [K, d].
    /// Returns a scalar for `.mean`/`.sum`, shape [N] for `.none`.
    public func callAsFunction(queries: Tensor, keys: Tensor, queue: Tensor) throws -> Tensor {
        guard queries.rank == 2, keys.shape == queries.shape else {
            throw LossError("InfoNCELoss: queries \(queries.shape) and positive keys \(keys.shape) must both be [samples, features]")
        }
        guard queue.rank == 2, queue.shape[1] == queries.shape[1] else {
            throw LossError("InfoNCELoss: queue has shape \(queue.shape), expected [negatives, \(queries.shape[1])] to match the queries' feature size")
        }
        guard temperature > 0 else { throw LossError("InfoNCELoss: temperature \(temperature) must be positive") }
        let positive = (queries * keys).sum(axis: 1, keepDims: true)
        let negative = queries.matmul(queue.detached(), transposeOther: true)
        let logits = Tensor.concat([positive, negative], axis: 1) / temperature
        let targets = [Int](repeating: 0, count: queries.shape[0])
        return try CrossEntropyLoss(reduction: reduction)(logits, targets: targets)
    }
}
