import Foundation
import Testing
@testable import Tensors

/// The vectorised exponential behind exp, sigmoid, geluTanh and softmax, against the
/// Float64 exponential.
@Suite struct VectorMathTests {
    /// Relative error at most 2 ulp (2.4e-7) over a dense sweep of the normal range, and
    /// the right limits: 0 below the subnormal range and at -∞, +∞ above 88.72, NaN kept.
    @Test func exponentialAccuracy() {
        var worst = 0.0
        var x = -87.0
        while x < 88.7 {
            var lanes = SIMD8<Float>()
            for i in 0..<8 { lanes[i] = Float(x + Double(i) * 0.0007) }
            let result = vectorExp(lanes)
            for i in 0..<8 {
                let exact = Foundation.exp(Double(lanes[i]))
                worst = Swift.max(worst, Swift.abs(Double(result[i]) - exact) / exact)
            }
            x += 0.0131
        }
        #expect(worst < 2.4e-7, "worst relative error \(worst)")

        let specials = SIMD8<Float>(-.infinity, -200, -104, 0, 88.72, 89, .infinity, .nan)
        let result = vectorExp(specials)
        #expect(result[0] == 0 && result[1] == 0 && result[2] == 0)
        #expect(result[3] == 1)
        #expect(result[4].isFinite && Swift.abs(Double(result[4]) / Foundation.exp(Double(specials[4])) - 1) < 3e-7)
        #expect(result[5] == .infinity && result[6] == .infinity)
        #expect(result[7].isNaN)
        // Subnormal results keep about their value.
        let tiny = vectorExp(SIMD8<Float>(repeating: -95))[0]
        #expect(Swift.abs(Double(tiny) / Foundation.exp(-95.0) - 1) < 1e-3)
    }

    /// Tensor ops built on it, over a large tensor (parallel chunks and a ragged tail).
    @Test func tensorOpsOnLargeInput() {
        var generator = RandomGenerator(seed: 12)
        let x = Tensor.randn([1001, 37], std: 4, generator: &generator)
        let exp = x.exp().scalars, sigmoid = x.sigmoid().scalars, gelu = x.geluTanh().scalars
        var worst = (exp: 0.0, sigmoid: 0.0, gelu: 0.0)
        for (i, v) in x.scalars.enumerated() {
            let d = Double(v)
            let e = Foundation.exp(d), s = 1 / (1 + Foundation.exp(-d))
            let g = 0.5 * d * (1 + Foundation.tanh(0.7978845608028654 * (d + 0.044715 * d * d * d)))
            worst.exp = Swift.max(worst.exp, Swift.abs(Double(exp[i]) - e) / e)
            worst.sigmoid = Swift.max(worst.sigmoid, Swift.abs(Double(sigmoid[i]) - s) / s)
            worst.gelu = Swift.max(worst.gelu, Swift.abs(Double(gelu[i]) - g) / Swift.max(Swift.abs(g), 1e-3))
        }
        #expect(worst.exp < 3e-7)
        #expect(worst.sigmoid < 5e-7)
        #expect(worst.gelu < 1e-6)
    }

    /// erf within 5e-7 absolute (the formula's 1.5e-7 plus Float evaluation) over [-6, 6],
    /// odd, and ±1 in the tails; the exact GELU and its gradient built on it, against
    /// Float64 on a large ragged tensor.
    @Test func errorFunctionAndExactGELU() {
        var worst = 0.0
        var x = -6.0
        while x < 6 {
            var lanes = SIMD8<Float>()
            for i in 0..<8 { lanes[i] = Float(x + Double(i) * 0.0003) }
            let result = vectorErf(lanes)
            for i in 0..<8 { worst = Swift.max(worst, Swift.abs(Double(result[i]) - Foundation.erf(Double(lanes[i])))) }
            x += 0.0029
        }
        #expect(worst < 5e-7, "worst absolute error \(worst)")
        let specials = vectorErf(SIMD8<Float>(-.infinity, -30, -0.5, 0, 0.5, 30, .infinity, .nan))
        #expect(specials[0] == -1 && specials[1] == -1 && specials[5] == 1 && specials[6] == 1)
        #expect(specials[2] == -specials[4] && specials[3] == 0 && specials[7].isNaN)

        var generator = RandomGenerator(seed: 13)
        var input = Tensor.randn([999, 13], std: 3, generator: &generator)
        input.requiresGrad = true
        let output = input.gelu()
        let upstream = Tensor.randn([999, 13], generator: &generator)
        (output * upstream).sum().backward()
        let gradient = input.grad?.scalars ?? []
        var worstValue = 0.0, worstGradient = 0.0
        for (i, v) in input.scalars.enumerated() {
            let d = Double(v), u = Double(upstream.scalars[i])
            let cdf = 0.5 * (1 + Foundation.erf(d / 2.0.squareRoot()))
            let pdf = Foundation.exp(-0.5 * d * d) / (2 * Double.pi).squareRoot()
            worstValue = Swift.max(worstValue, Swift.abs(Double(output.scalars[i]) - d * cdf))
            worstGradient = Swift.max(worstGradient, Swift.abs(Double(gradient[i]) - u * (cdf + d * pdf)))
        }
        #expect(gradient.count == 999 * 13)
        #expect(worstValue < 2e-6, "GELU \(worstValue)")
        #expect(worstGradient < 5e-6, "GELU gradient \(worstGradient)")
    }
}
