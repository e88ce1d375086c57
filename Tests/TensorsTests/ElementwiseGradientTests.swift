import Testing
import Tensors

/// Element-wise arithmetic (every broadcasting pattern), tensor-scalar arithmetic and the
/// unary functions: backward against finite differences (1e-2 of the gradient's scale)
/// and against PyTorch float64 autograd (1e-4), references from
/// `Tests/Fixtures/generate/ops.py` (`elementwise_cases`).
@Suite struct ElementwiseGradientTests {
    /// Broadcasting patterns of `ops.py`'s BROADCASTS: same shape, 0-D and [1] scalars on
    /// either side, row, column, leading dimensions on either side, both sides stretched.
    static let broadcastPatterns = [
        "same", "scalar", "one", "scalarLeft", "row", "column", "leading", "leadingLeft", "both", "both3d", "middle",
    ]

    static let binaryOperators: [(String, @Sendable (Tensor, Tensor) -> Tensor)] = [
        ("add", { $0 + $1 }), ("subtract", { $0 - $1 }), ("multiply", { $0 * $1 }), ("divide", { $0 / $1 }),
    ]

    static let cases: [OpCase] = {
        var cases: [OpCase] = []
        for (name, op) in binaryOperators {
            for pattern in broadcastPatterns {
                cases.append(OpCase("elementwise", "\(name).\(pattern)") { op($0[0], $0[1]) })
            }
        }
        cases += [
            OpCase("elementwise", "addFloat") { $0[0] + 0.7 },
            OpCase("elementwise", "floatAdd") { 0.7 + $0[0] },
            OpCase("elementwise", "subtractFloat") { $0[0] - 0.7 },
            OpCase("elementwise", "floatSubtract") { 0.7 - $0[0] },
            OpCase("elementwise", "multiplyFloat") { $0[0] * 1.3 },
            OpCase("elementwise", "floatMultiply") { 1.3 * $0[0] },
            OpCase("elementwise", "divideFloat") { $0[0] / 1.3 },
            OpCase("elementwise", "floatDivide") { 1.3 / $0[0] },
            OpCase("elementwise", "negate") { -$0[0] },
            OpCase("elementwise", "pow.2") { $0[0].pow(2) },
            OpCase("elementwise", "pow.3") { $0[0].pow(3) },
            OpCase("elementwise", "pow.half") { $0[0].pow(0.5) },
            OpCase("elementwise", "pow.minus1.5") { $0[0].pow(-1.5) },
            OpCase("elementwise", "maximum.same") { $0[0].maximum($0[1]) },
            OpCase("elementwise", "maximum.row") { $0[0].maximum($0[1]) },
            OpCase("elementwise", "clamped.both") { $0[0].clamped(min: -0.5, max: 0.5) },
            OpCase("elementwise", "clamped.lower") { $0[0].clamped(min: -0.3) },
            OpCase("elementwise", "clamped.upper") { $0[0].clamped(max: 0.2) },
            OpCase("elementwise", "exp") { $0[0].exp() },
            OpCase("elementwise", "log") { $0[0].log() },
            OpCase("elementwise", "sqrt") { $0[0].sqrt() },
            OpCase("elementwise", "tanh") { $0[0].tanh() },
            OpCase("elementwise", "sigmoid") { $0[0].sigmoid() },
            OpCase("elementwise", "relu") { $0[0].relu() },
            OpCase("elementwise", "gelu") { $0[0].gelu() },
            OpCase("elementwise", "geluTanh") { $0[0].geluTanh() },
            OpCase("elementwise", "quickGELU") { $0[0].quickGELU() },
            OpCase("elementwise", "silu") { $0[0].silu() },
            OpCase("elementwise", "softplus") { $0[0].softplus() },
            OpCase("elementwise", "softplus.threshold1") { $0[0].softplus(threshold: 1) },
            OpCase("elementwise", "abs") { $0[0].abs() },
            OpCase("elementwise", "squared") { $0[0].squared() },
            OpCase("elementwise", "leakyReLU") { $0[0].leakyReLU(slope: 0.2) },
        ]
        return cases
    }()

    @Test(arguments: cases) func finiteDifferences(_ op: OpCase) throws {
        try op.checkFiniteDifferences()
    }

    @Test(arguments: cases) func gradientsMatchPyTorch(_ op: OpCase) throws {
        try op.checkGradients()
    }

    /// `maximum` sends the whole gradient of a tie to `self` (documented), and `clamped`
    /// passes the gradient at the bounds themselves, as `torch.clamp` does.
    @Test func tiesAndBounds() {
        var a = Tensor([1, 2, 3]); a.requiresGrad = true
        var b = Tensor([1, 5, 0]); b.requiresGrad = true
        a.maximum(b).sum().backward()
        #expect(a.grad?.scalars == [1, 0, 1])
        #expect(b.grad?.scalars == [0, 1, 0])

        var x = Tensor([-1, -0.5, 0, 0.5, 1]); x.requiresGrad = true
        x.clamped(min: -0.5, max: 0.5).sum().backward()
        #expect(x.grad?.scalars == [0, 1, 1, 1, 0])

        var y = Tensor([-2, 0, 2]); y.requiresGrad = true
        (y.relu() + y.abs() + y.leakyReLU(slope: 0.25)).sum().backward()
        // relu'(0) = 0, abs'(0) = 0, leakyReLU'(0) = slope, as in PyTorch.
        #expect(y.grad?.scalars == [-0.75, 0.25, 3])
    }
}
