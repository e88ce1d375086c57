import Testing
import Tensors

/// Reshaping and data movement: reshaped, unsqueezed/squeezed, flattened, permuted
/// (rank 2 to 4), transposed, concat/stack/split/chunked/slice along several axes,
/// indexSelect with repeated indices, maskedFill, where. Forward values must equal
/// PyTorch exactly (they only move scalars); backward against finite differences (1e-2)
/// and PyTorch float64 autograd (1e-4); references from `Tests/Fixtures/generate/ops.py`
/// (`shape_cases`).
@Suite struct ShapeOpsTests {
    static let cases: [OpCase] = [
        OpCase("shape", "reshaped") { $0[0].reshaped([6, 4]) },
        OpCase("shape", "reshaped.inferred") { $0[0].reshaped([4, -1]) },
        OpCase("shape", "unsqueezed.front") { $0[0].unsqueezed(0) * 2 },
        OpCase("shape", "unsqueezed.back") { $0[0].unsqueezed(-1) * 2 },
        OpCase("shape", "squeezed") { $0[0].squeezed(1) * 2 },
        OpCase("shape", "flattened") { $0[0].flattened(from: 1) },
        OpCase("shape", "permuted.rank2") { $0[0].permuted([1, 0]) },
        OpCase("shape", "permuted.rank3") { $0[0].permuted([2, 0, 1]) },
        OpCase("shape", "permuted.rank4") { $0[0].permuted([0, 2, 1, 3]) },
        OpCase("shape", "permuted.rank4.mixed") { $0[0].permuted([3, 1, 0, 2]) },
        OpCase("shape", "transposed") { $0[0].transposed() },
        OpCase("shape", "transposed.outer") { $0[0].transposed(0, 2) },
        OpCase("shape", "concat.axis0") { Tensor.concat($0, axis: 0) },
        OpCase("shape", "concat.axis1") { Tensor.concat($0, axis: 1) },
        OpCase("shape", "concat.axisLast") { Tensor.concat($0, axis: -1) },
        OpCase("shape", "concat.constant") { Tensor.concat($0, axis: 1) },
        OpCase("shape", "stack.axis0") { Tensor.stack($0, axis: 0) },
        OpCase("shape", "stack.axis1") { Tensor.stack($0, axis: 1) },
        OpCase("shape", "stack.axisLast") { Tensor.stack($0, axis: -1) },
        OpCase("shape", "split.axis1") { inputs in
            let pieces = inputs[0].split([1, 3], axis: 1)
            return Tensor.concat([pieces[1] * 2, pieces[0]], axis: 1)
        },
        OpCase("shape", "split.axisLast") { inputs in
            let pieces = inputs[0].split([2, 1, 2], axis: -1)
            return Tensor.concat([pieces[2], pieces[0] * 3, pieces[1]], axis: -1)
        },
        OpCase("shape", "chunked.axis0") { inputs in
            let pieces = inputs[0].chunked(3, axis: 0)
            return Tensor.concat([pieces[2], pieces[0] - pieces[1]], axis: 0)
        },
        OpCase("shape", "chunked.axis1") { inputs in
            let pieces = inputs[0].chunked(2, axis: 1)
            return pieces[0] * pieces[1]
        },
        OpCase("shape", "slice.axis0") { $0[0].slice(axis: 0, 1..<3) },
        OpCase("shape", "slice.axis1") { $0[0].slice(axis: 1, 1..<3) },
        OpCase("shape", "slice.axis2") { $0[0].slice(axis: 2, 1..<2) },
        OpCase("shape", "indexSelect.axis0") { $0[0].indexSelect(axis: 0, [2, 0, 2, 1]) },
        OpCase("shape", "indexSelect.axis1") { $0[0].indexSelect(axis: 1, [1, 1, 3]) },
        OpCase("shape", "indexSelect.axisLast") { $0[0].indexSelect(axis: -1, [3, 0, 3, 3, 1]) },
        OpCase("shape", "maskedFill.same") { $0[0].maskedFill($0[1], with: -2.5) },
        OpCase("shape", "maskedFill.row") { $0[0].maskedFill($0[1], with: -2.5) },
        OpCase("shape", "maskedFill.column") { $0[0].maskedFill($0[1], with: 1.5) },
        OpCase("shape", "where.same") { Tensor.where($0[0], $0[1], $0[2]) },
        OpCase("shape", "where.broadcast") { Tensor.where($0[0], $0[1], $0[2]) },
        OpCase("shape", "where.rowSide") { Tensor.where($0[0], $0[1], $0[2]) },
    ]

    @Test(arguments: cases) func finiteDifferences(_ op: OpCase) throws {
        try op.checkFiniteDifferences()
    }

    @Test(arguments: cases) func gradientsMatchPyTorch(_ op: OpCase) throws {
        try op.checkGradients()
    }

    /// Reshape shares storage; permute copies into row-major order.
    @Test func reshapeSharesAndPermuteCopies() {
        let x = Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
        let r = x.reshaped([3, 2])
        #expect(r.storage === x.storage)
        let t = x.transposed()
        #expect(t.shape == [3, 2])
        #expect(t.scalars == [0, 3, 1, 4, 2, 5])
        #expect(t.storage !== x.storage)
    }

    /// A permutation large enough to run in parallel chunks matches the index formula.
    @Test func largePermutation() {
        let shape = [3, 64, 40, 50]
        let x = Tensor(shape: shape) { b in for i in 0..<b.count { b[i] = Float(i) } }
        let y = x.permuted([2, 0, 3, 1])
        #expect(y.shape == [40, 3, 50, 64])
        var mismatches = 0
        for i in stride(from: 0, to: y.count, by: 7) {
            var rest = i
            let d1 = rest % 64; rest /= 64
            let d3 = rest % 50; rest /= 50
            let d0 = rest % 3; rest /= 3
            let d2 = rest
            let source = ((d0 * 64 + d1) * 40 + d2) * 50 + d3
            if y.storage.pointer[i] != Float(source) { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }
}
