import Foundation
import Testing
import Tensors

/// Fused softmax / log-softmax (last, middle and first axis, rows with -∞ entries,
/// large logits) and layer normalisation with and without weight and bias. Backward
/// against finite differences (1e-2) and PyTorch float64 autograd (1e-4); references
/// from `Tests/Fixtures/generate/ops.py` (`softmax_cases`).
@Suite struct SoftmaxLayerNormTests {
    static let cases: [OpCase] = [
        OpCase("softmax_layernorm", "softmax.last") { $0[0].softmax(axis: -1) },
        OpCase("softmax_layernorm", "softmax.middle") { $0[0].softmax(axis: 1) },
        OpCase("softmax_layernorm", "softmax.first") { $0[0].softmax(axis: 0) },
        OpCase("softmax_layernorm", "softmax.masked") { $0[0].softmax(axis: -1) },
        OpCase("softmax_layernorm", "softmax.masked3d") { $0[0].softmax(axis: 2) },
        OpCase("softmax_layernorm", "softmax.large") { $0[0].softmax() },
        OpCase("softmax_layernorm", "logSoftmax.last") { $0[0].logSoftmax(axis: -1) },
        OpCase("softmax_layernorm", "logSoftmax.middle") { $0[0].logSoftmax(axis: 1) },
        OpCase("softmax_layernorm", "logSoftmax.large") { $0[0].logSoftmax() },
        OpCase("softmax_layernorm", "layerNorm.affine") { $0[0].layerNorm(weight: $0[1], bias: $0[2]) },
        OpCase("softmax_layernorm", "layerNorm.affine3d") { $0[0].layerNorm(weight: $0[1], bias: $0[2]) },
        OpCase("softmax_layernorm", "layerNorm.plain") { $0[0].layerNorm(weight: nil, bias: nil) },
        OpCase("softmax_layernorm", "layerNorm.weightOnly") { $0[0].layerNorm(weight: $0[1], bias: nil) },
        OpCase("softmax_layernorm", "layerNorm.biasOnly") { $0[0].layerNorm(weight: nil, bias: $0[1]) },
        OpCase("softmax_layernorm", "layerNorm.epsilon") { $0[0].layerNorm(weight: $0[1], bias: $0[2], epsilon: 1e-3) },
    ]

    @Test(arguments: cases) func finiteDifferences(_ op: OpCase) throws {
        try op.checkFiniteDifferences()
    }

    @Test(arguments: cases) func gradientsMatchPyTorch(_ op: OpCase) throws {
        try op.checkGradients()
    }

    /// A row whose entries are all -∞ (a fully masked attention row) gives zeros and a
    /// zero gradient rather than NaN; the other rows are unaffected.
    @Test func fullyMaskedRow() {
        var x = Tensor(shape: [2, 3], scalars: [-.infinity, -.infinity, -.infinity, 0, 1, 2])
        x.requiresGrad = true
        let y = x.softmax()
        #expect(Array(y.scalars[0..<3]) == [0, 0, 0])
        let e = [Float(1), Float(M_E), Float(M_E * M_E)], total = e.reduce(0, +)
        for i in 0..<3 { #expect(Swift.abs(y.scalars[3 + i] - e[i] / total) < 1e-6) }
        y.backward(Tensor(shape: [2, 3], scalars: [1, 2, 3, 1, 0, 0]))
        let grad = x.grad?.scalars ?? []
        #expect(Array(grad[0..<3]) == [0, 0, 0])
        #expect(grad[3...].allSatisfy { $0.isFinite })
    }

    /// Softmax rows sum to one, and large rows (run in parallel chunks) stay accurate.
    @Test func rowsSumToOne() {
        var generator = RandomGenerator(seed: 3)
        let x = Tensor.randn([256, 300], std: 4, generator: &generator)
        let y = x.softmax(axis: -1)
        for total in y.sum(axis: -1).scalars { #expect(Swift.abs(total - 1) < 1e-5) }
        let z = x.softmax(axis: 0)
        for total in z.sum(axis: 0).scalars { #expect(Swift.abs(total - 1) < 1e-5) }
    }
}
