import Foundation
import Testing
import Tensors
@testable import Encoders

/// The fused post-GEMM kernels against the composed core ops they replace (values and
/// gradients), and the erf approximation against the C library.
@Suite struct BertKernelTests {
    func leaf(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        var generator = RandomGenerator(seed: seed)
        var tensor = Tensor.randn(shape, std: scale, generator: &generator)
        tensor.requiresGrad = true
        return tensor
    }

    func maximumDifference(_ a: Tensor?, _ b: Tensor?) -> Float {
        guard let a, let b, a.shape == b.shape else { return .infinity }
        return zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
    }

    @Test func erfApproximationMatchesLibm() {
        var worst: Float = 0
        var x: Float = -6
        while x <= 6 {
            let lanes = erfApproximation(Lanes(repeating: x))
            worst = Swift.max(worst, Swift.abs(lanes[0] - erff(x)))
            x += 0.001
        }
        #expect(worst < 6e-7)
    }

    /// Widths 37 and 77 exercise the 8-lane loops and their scalar tails.
    @Test(arguments: [37, 77])
    func biasGELUMatchesComposedOps(width: Int) {
        let x = leaf([2, 5, width], seed: 1, scale: 2), b = leaf([width], seed: 2)
        var probeGenerator = RandomGenerator(seed: 99)
        let probe = Tensor.randn([2, 5, width], generator: &probeGenerator)
        let fused = x.addingBiasGELU(b)
        let composed = (x + b).gelu()
        #expect(maximumDifference(fused, composed) < 2e-6)
        (fused * probe).sum().backward()
        let (fusedX, fusedB) = (x.grad, b.grad)
        x.zeroGrad(); b.zeroGrad()
        (composed * probe).sum().backward()
        #expect(maximumDifference(fusedX, x.grad) < 1e-5)
        #expect(maximumDifference(fusedB, b.grad) < 1e-4)
    }

    @Test func biasMatchesBroadcastAdd() {
        let x = leaf([3, 4, 13], seed: 3), b = leaf([13], seed: 4)
        let fused = x.addingBias(b)
        #expect(fused.scalars == (x + b).scalars)
        fused.sum().backward()
        #expect(b.grad?.scalars == [Float](repeating: 12, count: 13))
        #expect(x.grad?.scalars == [Float](repeating: 1, count: 3 * 4 * 13))
    }

    @Test(arguments: [32, 45])
    func biasResidualLayerNormMatchesComposedOps(width: Int) {
        let x = leaf([2, 3, width], seed: 5), r = leaf([2, 3, width], seed: 6)
        let b = leaf([width], seed: 7), gamma = leaf([width], seed: 8), beta = leaf([width], seed: 9)
        var probeGenerator = RandomGenerator(seed: 99)
        let probe = Tensor.randn([2, 3, width], generator: &probeGenerator)
        let fused = x.addingBiasResidualLayerNorm(bias: b, residual: r, weight: gamma, normBias: beta, epsilon: 1e-12)
        let composed = (x + b + r).layerNorm(weight: gamma, bias: beta, epsilon: 1e-12)
        #expect(maximumDifference(fused, composed) < 1e-5)
        (fused * probe).sum().backward()
        let fusedGradients = [x.grad, r.grad, b.grad, gamma.grad, beta.grad]
        for tensor in [x, r, b, gamma, beta] { tensor.zeroGrad() }
        (composed * probe).sum().backward()
        let composedGradients = [x.grad, r.grad, b.grad, gamma.grad, beta.grad]
        for (index, (a, c)) in zip(fusedGradients, composedGradients).enumerated() {
            #expect(maximumDifference(a, c) < 1e-4, "gradient \(index)")
        }
    }

    /// Finite differences of a scalar of the fused layer norm with respect to one input entry.
    @Test func biasResidualLayerNormGradientMatchesFiniteDifferences() {
        let width = 9
        let x = leaf([2, width], seed: 10), r = leaf([2, width], seed: 11)
        let b = leaf([width], seed: 12), gamma = leaf([width], seed: 13), beta = leaf([width], seed: 14)
        var probeGenerator = RandomGenerator(seed: 99)
        let probe = Tensor.randn([2, width], generator: &probeGenerator)
        func objective(_ input: Tensor) -> Double {
            let y = input.addingBiasResidualLayerNorm(bias: b, residual: r, weight: gamma, normBias: beta, epsilon: 1e-5)
            return zip(y.scalars, probe.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        (x.addingBiasResidualLayerNorm(bias: b, residual: r, weight: gamma, normBias: beta, epsilon: 1e-5) * probe).sum().backward()
        let analytic = x.grad?.scalars ?? []
        for index in [0, 4, 11, 17] {
            let step: Float = 1e-2
            var plus = x.scalars, minus = x.scalars
            plus[index] += step
            minus[index] -= step
            let numeric = (objective(Tensor(shape: x.shape, scalars: plus)) - objective(Tensor(shape: x.shape, scalars: minus)))
                / Double(2 * step)
            #expect(Swift.abs(Double(analytic[index]) - numeric) < 2e-3, "entry \(index): \(analytic[index]) vs \(numeric)")
        }
    }
}
