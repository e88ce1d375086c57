import Foundation

/// Rescales gradients so that their total norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_`, and returns the total norm before clipping.
///
/// The total norm treats all gradients as one vector: ‖g‖_p = (Σ |g_i|^p)^{1/p}, or
/// max |g_i| for `normType = .infinity`. When it exceeds `maxNorm` every gradient is
/// multiplied by `maxNorm / (‖g‖ + 1e-6)`. A non-finite norm (NaN or ∞ in a gradient)
/// is returned as it is and the gradients are multiplied by the same, non-finite,
/// factor, as in PyTorch; check the return value to skip such a step.
///
/// Parameters without a gradient are ignored. Scaled gradients are new tensors set
/// through `grad`; the old gradient tensors are not modified.
///
/// - Throws: `OptimizerError` when `normType` is not > 0 or `maxNorm` is negative.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float, normType: Float = 2) throws -> Float {
    guard normType > 0 else {
        throw OptimizerError("clipGradientNorm: norm type \(normType) must be > 0 (2 for Euclidean, .infinity for the largest magnitude)")
    }
    guard maxNorm >= 0 else { throw OptimizerError("clipGradientNorm: maximum norm \(maxNorm) must be >= 0") }
    let gradients = parameters.compactMap(\.grad)
    if gradients.isEmpty { return 0 }
    let exponent = Double(normType)
    var accumulated: Double = 0
    for gradient in gradients {
        let values = gradient.storage.pointer
        if normType == .infinity {
            for i in 0..<gradient.count {
                let magnitude = Double(Swift.abs(values[i]))
                if magnitude > accumulated || magnitude.isNaN { accumulated = magnitude }
            }
        } else if normType == 2 {
            for i in 0..<gradient.count { accumulated += Double(values[i]) * Double(values[i]) }
        } else if normType == 1 {
            for i in 0..<gradient.count { accumulated += Double(Swift.abs(values[i])) }
        } else {
            for i in 0..<gradient.count { accumulated += Foundation.pow(Double(Swift.abs(values[i])), exponent) }
        }
    }
    let totalNorm: Float
    switch normType {
    case .infinity, 1: totalNorm = Float(accumulated)
    case 2: totalNorm = Float(accumulated.squareRoot())
    default: totalNorm = Float(Foundation.pow(accumulated, 1 / exponent))
    }
    let coefficient = maxNorm / (totalNorm + 1e-6)
    if !(coefficient >= 1) {
        for parameter in parameters {
            guard let gradient = parameter.grad else { continue }
            parameter.grad = withoutGradients { gradient.detached() * coefficient }
        }
    }
    return totalNorm
}
