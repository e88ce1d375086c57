import Testing
import Tensors

/// Finite-difference check of reverse-mode gradients.
///
/// For a function f of tensors, a cotangent c shaped like f's output and the scalar
/// L = Σ f(x) ⊙ c (accumulated in Float64), the numeric gradient of each scalar x_j is the
/// central difference (L(x + h e_j) - L(x - h e_j)) / (x_j⁺ - x_j⁻), where x_j± are the
/// Float32 values actually used, so the step is exact. The analytic gradient is what
/// `f(x).backward(c)` leaves in each input's `grad`.
///
/// Ops are Float32, so the differences carry rounding of about 1e-7 |L| / h; with a step
/// of 1e-2 and inputs of order one, agreement to 1e-2 of the gradient's scale is the
/// bar (`maximumError` reports the worst element). Inputs whose value is ±∞ (masked
/// logits) are not perturbed; their numeric gradient is 0.
struct GradientCheck {
    /// One differentiable input's comparison.
    struct Comparison {
        let input: Int
        let analytic: [Double]
        let numeric: [Double]

        /// Largest |analytic - numeric| / max(|numeric|, rms(numeric), floor) over the elements.
        func maximumError(floor: Double = 1e-3) -> Double {
            let rms = (numeric.map { $0 * $0 }.reduce(0, +) / Double(Swift.max(numeric.count, 1))).squareRoot()
            var worst = 0.0
            for (a, n) in zip(analytic, numeric) {
                let scale = Swift.max(Swift.abs(n), rms, floor)
                worst = Swift.max(worst, Swift.abs(a - n) / scale)
            }
            return worst
        }
    }

    let function: ([Tensor]) -> Tensor
    let inputs: [Tensor]
    /// Which inputs take a gradient (masks and conditions do not).
    let differentiable: [Bool]
    /// Finite-difference step.
    var step: Double = 1e-2

    /// L = Σ output ⊙ cotangent in Float64.
    static func weightedSum(_ output: Tensor, _ cotangent: Tensor) -> Double {
        zip(output.scalars, cotangent.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// The gradients `backward` gives for `cotangent` (nil when an input got none).
    func analyticGradients(cotangent: Tensor) -> [Tensor?] {
        let leaves = zip(inputs, differentiable).map { input, wantsGradient -> Tensor in
            var leaf = input.copy()
            leaf.requiresGrad = wantsGradient
            return leaf
        }
        let output = function(leaves)
        output.backward(cotangent)
        return leaves.map { $0.grad }
    }

    /// Compares analytic and central-difference gradients for every differentiable input.
    func compare(cotangent: Tensor) -> [Comparison] {
        let analytic = analyticGradients(cotangent: cotangent)
        var comparisons: [Comparison] = []
        for (index, input) in inputs.enumerated() where differentiable[index] {
            var numeric = [Double](repeating: 0, count: input.count)
            let base = input.scalars
            for j in 0..<input.count where base[j].isFinite {
                var plus = base, minus = base
                plus[j] = Float(Double(base[j]) + step)
                minus[j] = Float(Double(base[j]) - step)
                let upper = evaluate(replacing: index, with: Tensor(shape: input.shape, scalars: plus), cotangent)
                let lower = evaluate(replacing: index, with: Tensor(shape: input.shape, scalars: minus), cotangent)
                numeric[j] = (upper - lower) / (Double(plus[j]) - Double(minus[j]))
            }
            let gradient = analytic[index]?.scalars.map(Double.init) ?? [Double](repeating: 0, count: input.count)
            comparisons.append(Comparison(input: index, analytic: gradient, numeric: numeric))
        }
        return comparisons
    }

    private func evaluate(replacing index: Int, with replacement: Tensor, _ cotangent: Tensor) -> Double {
        var arguments = inputs
        arguments[index] = replacement
        let output = withoutGradients { function(arguments) }
        return GradientCheck.weightedSum(output, cotangent)
    }
}

/// Element-wise closeness with a scale-aware tolerance:
/// |actual - expected| ≤ tolerance · max(|expected|, rms(expected), floor). Infinities must
/// match exactly and NaN must meet NaN. Returns a description of the worst element, or
/// nil when every element passes.
func closenessFailure(_ actual: Tensor, _ expected: Tensor, tolerance: Double, floor: Double = 1e-6) -> String? {
    guard actual.shape == expected.shape else { return "shape \(actual.shape), expected \(expected.shape)" }
    let a = actual.scalars, e = expected.scalars
    let finite = e.filter(\.isFinite).map { Double($0) }
    let rms = (finite.map { $0 * $0 }.reduce(0, +) / Double(Swift.max(finite.count, 1))).squareRoot()
    var worst: (ratio: Double, index: Int) = (0, -1)
    for i in 0..<e.count {
        if e[i].isNaN || !e[i].isFinite {
            let same = e[i].isNaN ? a[i].isNaN : a[i] == e[i]
            if !same { return "element \(i): \(a[i]), expected \(e[i])" }
            continue
        }
        guard a[i].isFinite else { return "element \(i): \(a[i]), expected \(e[i])" }
        let scale = Swift.max(Swift.abs(Double(e[i])), rms, floor)
        let ratio = Swift.abs(Double(a[i]) - Double(e[i])) / scale
        if ratio > worst.ratio { worst = (ratio, i) }
    }
    if worst.ratio > tolerance {
        return "element \(worst.index): \(a[worst.index]), expected \(e[worst.index]) "
            + "(relative error \(worst.ratio) > \(tolerance))"
    }
    return nil
}

/// `#expect`s that `actual` is close to `expected` (see `closenessFailure`).
func expectNear(
    _ actual: Tensor, _ expected: Tensor, tolerance: Double, floor: Double = 1e-6, _ what: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let failure = closenessFailure(actual, expected, tolerance: tolerance, floor: floor)
    #expect(failure == nil, "\(what()): \(failure ?? "")", sourceLocation: sourceLocation)
}
