import Testing
import Tensors

/// Forward values of every op case against PyTorch float64 outputs
/// (`Tests/Fixtures/generate/ops.py`), with the tolerance of each family, measured as
/// |ours - torch| ≤ tolerance · max(|torch|, rms(torch)) per element.
@Suite struct OpParityTests {
    /// Element-wise arithmetic and functions: 1e-5.
    @Test(arguments: ElementwiseGradientTests.cases) func elementwise(_ op: OpCase) throws {
        try op.checkForward(tolerance: 1e-5)
    }

    /// Reductions: 1e-5.
    @Test(arguments: ReductionGradientTests.cases) func reductions(_ op: OpCase) throws {
        try op.checkForward(tolerance: 1e-5)
    }

    /// Data movement only copies scalars, and maskedFill/where only choose: exact (0), except
    /// the cases that also scale or combine pieces (1e-6).
    @Test(arguments: ShapeOpsTests.cases) func shapeOps(_ op: OpCase) throws {
        let arithmetic = ["unsqueezed", "squeezed", "split", "chunked"].contains { op.name.hasPrefix($0) }
        try op.checkForward(tolerance: arithmetic ? 1e-6 : 0)
    }

    /// matmul: 1e-4.
    @Test(arguments: MatmulTests.cases) func matmul(_ op: OpCase) throws {
        try op.checkForward(tolerance: 1e-4)
    }

    /// softmax, logSoftmax, layerNorm: 1e-4.
    @Test(arguments: SoftmaxLayerNormTests.cases) func softmaxAndLayerNorm(_ op: OpCase) throws {
        try op.checkForward(tolerance: 1e-4)
    }
}
