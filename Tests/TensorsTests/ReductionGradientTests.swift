import Testing
import Tensors

/// Reductions and broadcasting helpers: sum/mean (all, axes, keepDims), variance,
/// max(axis:), expanded(to:), sum(toShape:). Backward against finite differences
/// (1e-2 of the gradient's scale) and PyTorch float64 autograd (1e-4), references from
/// `Tests/Fixtures/generate/ops.py` (`reduction_cases`).
@Suite struct ReductionGradientTests {
    static let cases: [OpCase] = [
        OpCase("reductions", "sum.all") { $0[0].sum() },
        OpCase("reductions", "mean.all") { $0[0].mean() },
        OpCase("reductions", "sum.axis0") { $0[0].sum(axis: 0) },
        OpCase("reductions", "sum.axisLast") { $0[0].sum(axis: -1) },
        OpCase("reductions", "sum.axis1.keepDims") { $0[0].sum(axis: 1, keepDims: true) },
        OpCase("reductions", "sum.axes02") { $0[0].sum(axes: [0, 2]) },
        OpCase("reductions", "sum.axes02.keepDims") { $0[0].sum(axes: [0, -1], keepDims: true) },
        OpCase("reductions", "sum.axes12.rank4") { $0[0].sum(axes: [2, 1]) },
        OpCase("reductions", "mean.axis1") { $0[0].mean(axis: 1) },
        OpCase("reductions", "mean.axes02.keepDims") { $0[0].mean(axes: [0, 2], keepDims: true) },
        OpCase("reductions", "variance.axisLast") { $0[0].variance(axes: [-1]) },
        OpCase("reductions", "variance.unbiased") { $0[0].variance(axes: [1], unbiased: true) },
        OpCase("reductions", "variance.axes02.keepDims") { $0[0].variance(axes: [0, 2], keepDims: true) },
        OpCase("reductions", "max.axis0") { $0[0].max(alongAxis: 0) },
        OpCase("reductions", "max.axisLast.keepDims") { $0[0].max(axis: -1, keepDims: true).values },
        OpCase("reductions", "max.middle") { $0[0].max(alongAxis: 1) },
        OpCase("reductions", "expanded.column") { $0[0].expanded(to: [2, 3, 4]) },
        OpCase("reductions", "expanded.row") { $0[0].expanded(to: [3, 4]) },
        OpCase("reductions", "expanded.middle") { $0[0].expanded(to: [2, 3, 4]) },
        OpCase("reductions", "sumToShape.column") { $0[0].sum(toShape: [3, 1]) },
        OpCase("reductions", "sumToShape.row") { $0[0].sum(toShape: [4]) },
        OpCase("reductions", "sumToShape.suffix") { $0[0].sum(toShape: [3, 4]) },
        OpCase("reductions", "sumToShape.middle") { $0[0].sum(toShape: [2, 1, 4]) },
        OpCase("reductions", "sumToShape.ones") { $0[0].sum(toShape: [1, 1]) },
    ]

    @Test(arguments: cases) func finiteDifferences(_ op: OpCase) throws {
        try op.checkFiniteDifferences()
    }

    @Test(arguments: cases) func gradientsMatchPyTorch(_ op: OpCase) throws {
        try op.checkGradients()
    }

    /// max(axis:) returns the first maximum's index and routes the gradient only there.
    @Test func maxIndicesAndTies() {
        var x = Tensor(shape: [2, 3], scalars: [1, 7, 7, -3, -5, -3]); x.requiresGrad = true
        let (values, indices) = x.max(axis: 1)
        #expect(values.scalars == [7, -3])
        #expect(indices == [1, 0])
        #expect(x.argmax(axis: 0) == [0, 0, 0])
        values.backward(Tensor([2, 3]))
        #expect(x.grad?.scalars == [0, 2, 0, 3, 0, 0])
    }

    /// Whole-tensor sums accumulate in Float64: adding 1e6 ones to 1e8 is exact.
    @Test func largeSumIsAccurate() {
        let x = Tensor(shape: [1_000_001]) { buffer in
            buffer.initialize(repeating: 1)
            buffer[0] = 1e8
        }
        #expect(x.sum().item == 1e8 + 1e6)
        let rows = Tensor(repeating: 0.1, shape: [4, 100_000])
        for value in rows.sum(axis: 1).scalars {
            #expect(Swift.abs(value - 10_000) < 10_000 * 1e-4)
        }
    }
}
