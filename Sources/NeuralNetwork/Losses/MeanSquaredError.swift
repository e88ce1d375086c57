/// Mean squared error, as `torch.nn.functional.mse_loss`: ℓ = (prediction - target)²
/// element-wise, then reduced (`.mean` divides by the number of elements).
///
/// Composed from tensor ops, so both inputs receive gradients when they require them:
/// ∂ℓ/∂prediction = 2 (prediction - target), ∂ℓ/∂target = -2 (prediction - target),
/// times the reduction's factor.
public struct MeanSquaredErrorLoss: Sendable {
    /// How the element losses combine.
    public var reduction: LossReduction

    public init(reduction: LossReduction = .mean) {
        self.reduction = reduction
    }

    /// The loss of `predictions` against `targets` of the same shape. Returns a scalar for
    /// `.mean`/`.sum`, the inputs' shape for `.none`.
    public func callAsFunction(_ predictions: Tensor, targets: Tensor) throws -> Tensor {
        guard predictions.shape == targets.shape else {
            throw LossError("MeanSquaredErrorLoss: predictions have shape \(predictions.shape), targets \(targets.shape); they must match")
        }
        let difference = predictions - targets
        let squared = difference * difference
        switch reduction {
        case .none: return squared
        case .sum: return squared.sum()
        case .mean: return squared.mean()
        }
    }
}
