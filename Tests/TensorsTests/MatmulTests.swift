import Testing
import Tensors

/// matmul with every transpose combination: 2-D, batched 3-D and 4-D, broadcast batch,
/// 3-D × 2-D weight (the folded path) and 2-D × 3-D. Backward against finite differences
/// (1e-2) and PyTorch float64 autograd (1e-4); references from
/// `Tests/Fixtures/generate/ops.py` (`matmul_cases`).
@Suite struct MatmulTests {
    static let cases: [OpCase] = {
        var cases: [OpCase] = []
        for transposeSelf in [false, true] {
            for transposeOther in [false, true] {
                let suffix = (transposeSelf ? "T" : "N") + (transposeOther ? "T" : "N")
                for family in ["matmul2d", "matmul3d", "matmul4d", "matmulWeight", "matmulBroadcast", "matmulLeft2d"] {
                    cases.append(OpCase("matmul", "\(family).\(suffix)") {
                        $0[0].matmul($0[1], transposeSelf: transposeSelf, transposeOther: transposeOther)
                    })
                }
            }
        }
        return cases
    }()

    @Test(arguments: cases) func finiteDifferences(_ op: OpCase) throws {
        try op.checkFiniteDifferences()
    }

    @Test(arguments: cases) func gradientsMatchPyTorch(_ op: OpCase) throws {
        try op.checkGradients()
    }

    /// A product large enough for multi-threaded BLAS and the parallel small-batch path,
    /// against a Float64 reference computed here.
    @Test(arguments: [(1, 130, 70, 90), (40, 9, 11, 7)])
    func largerProducts(batch: Int, m: Int, k: Int, n: Int) {
        var generator = RandomGenerator(seed: 7)
        let a = Tensor.randn([batch, m, k], generator: &generator)
        let b = Tensor.randn([batch, k, n], generator: &generator)
        let c = a.matmul(b)
        let pa = a.scalars, pb = b.scalars
        let expected = Tensor(shape: [batch, m, n]) { out in
            for s in 0..<batch {
                for i in 0..<m {
                    for j in 0..<n {
                        var total = 0.0
                        for l in 0..<k { total += Double(pa[(s * m + i) * k + l]) * Double(pb[(s * k + l) * n + j]) }
                        out[(s * m + i) * n + j] = Float(total)
                    }
                }
            }
        }
        expectNear(c, expected, tolerance: 1e-4, "batched product \(batch)x\(m)x\(k)x\(n)")
    }
}
