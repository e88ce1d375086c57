/// Supervised contrastive loss (Khosla et al. 2020, eq. 2, L^sup_out).
///
/// Features are L2-normalised to z; for anchor i, P(i) are the other samples with its
/// label and A(i) all samples but i:
///
///     ℓ_i = -1/|P(i)| Σ_{p ∈ P(i)} log( exp(z_i·z_p / τ) / Σ_{a ∈ A(i)} exp(z_i·z_a / τ) )
///
/// Anchors without positives (a label seen once in the batch) are excluded: they add
/// nothing, and `.mean` averages over the anchors that have positives only (the
/// reference implementation would divide 0 by 0 for them). With `.none` the result has
/// one entry per sample, 0 for the excluded ones. A batch where no anchor has a positive
/// gives 0 with a zero gradient.
///
/// Differences from HobbitLong/SupContrast: there is no `base_temperature` factor (it is
/// τ / base_τ = 1 at the defaults there), and features come as one view per row: for
/// several views, stack them as rows [N·V, d] and repeat the labels.
///
/// Composed from tensor ops (gradient by autodiff). Similarities are shifted by each
/// row's largest off-diagonal value and the diagonal is masked before the exponential,
/// so small temperatures neither overflow nor underflow the denominator.
public struct SupervisedContrastiveLoss: Sendable {
    /// Temperature τ > 0.
    public var temperature: Float
    /// How the per-anchor losses combine (see above for excluded anchors).
    public var reduction: LossReduction

    public init(temperature: Float = 0.07, reduction: LossReduction = .mean) {
        self.temperature = temperature
        self.reduction = reduction
    }

    /// The loss of `features` [N, d] with class `labels` (N values). Returns a scalar for
    /// `.mean`/`.sum`, shape [N] for `.none`.
    public func callAsFunction(_ features: Tensor, labels: [Int]) throws -> Tensor {
        guard features.rank == 2 else {
            throw LossError("SupervisedContrastiveLoss: features must be [samples, features], got shape \(features.shape); stack several views as rows")
        }
        let samples = features.shape[0]
        guard labels.count == samples else {
            throw LossError("SupervisedContrastiveLoss: \(labels.count) labels for \(samples) feature rows")
        }
        guard temperature > 0 else { throw LossError("SupervisedContrastiveLoss: temperature \(temperature) must be positive") }

        var positiveCounts = [Int](repeating: 0, count: samples)
        let positiveMask = Tensor(shape: [samples, samples]) { mask in
            for i in 0..<samples {
                for j in 0..<samples {
                    let positive = i != j && labels[i] == labels[j]
                    mask[i * samples + j] = positive ? 1 : 0
                    if positive { positiveCounts[i] += 1 }
                }
            }
        }
        let included = positiveCounts.filter { $0 > 0 }.count
        if included == 0 {
            let zero = (features * 0).sum(axis: 1)
            return reduction == .none ? zero : zero.sum()
        }
        let diagonal = Tensor(shape: [samples, samples]) { mask in
            for i in 0..<samples * samples { mask[i] = i % (samples + 1) == 0 ? 1 : 0 }
        }

        // F.normalize: x / max(‖x‖, 1e-12).
        let norms = (features * features).sum(axis: 1, keepDims: true).clamped(min: 1e-24).sqrt()
        let normalized = features / norms
        let similarities = normalized.matmul(normalized, transposeOther: true) / temperature
        let rowMaxima = withoutGradients {
            similarities.detached().maskedFill(diagonal, with: -.infinity).max(alongAxis: 1, keepDims: true)
        }
        let logits = similarities - rowMaxima
        let logDenominator = logits.maskedFill(diagonal, with: -.infinity).exp().sum(axis: 1, keepDims: true).log()
        let logProbabilities = logits - logDenominator
        let inverseCounts = Tensor(positiveCounts.map { $0 > 0 ? 1 / Float($0) : 0 })
        let perAnchor = -((logProbabilities * positiveMask).sum(axis: 1) * inverseCounts)
        switch reduction {
        case .none: return perAnchor
        case .sum: return perAnchor.sum()
        case .mean: return perAnchor.sum() / Float(included)
        }
    }
}
