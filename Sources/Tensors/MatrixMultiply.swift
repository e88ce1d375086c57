import CBLAS
import Dispatch

/// C = op(A) op(B) for row-major matrices through `cblas_sgemm`.
@inline(__always)
func sgemm(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
    m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, beta: Float = 0
) {
    cblas_sgemm(
        CblasRowMajor,
        transposeA ? CblasTrans : CblasNoTrans,
        transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), 1,
        a, Int32(transposeA ? m : k),
        b, Int32(transposeB ? k : n),
        beta, c, Int32(n))
}

extension Tensor {
    /// Matrix product over the last two dimensions, with optional transposes:
    /// `op(self) · op(other)` where op is identity or transpose of the last two axes.
    ///
    /// Leading (batch) dimensions broadcast; a 2-D `other` (a weight) is shared by every
    /// batch entry and runs as one large GEMM.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(rank >= 2 && other.rank >= 2,
                     "matmul: needs matrices, got shapes \(shape) and \(other.shape)")
        // A shared 2-D right operand with an untransposed batched left one: fold the batch
        // into M, so autodiff sees one 2-D product (and dB sums over the batch for free).
        if other.rank == 2 && rank > 2 && !transposeSelf {
            let k = shape[rank - 1]
            let folded = reshaped([-1, k]).matmul(other, transposeOther: transposeOther)
            return folded.reshaped(Array(shape.dropLast()) + [folded.shape[1]])
        }
        let out = Tensor.batchedProduct(self, other, transposeA: transposeSelf, transposeB: transposeOther)
        let a = self, b = other
        return Tensor.recording(out, inputs: [a, b]) { g in
            var da: Tensor?
            var db: Tensor?
            if a.requiresGrad {
                da = transposeSelf
                    ? Tensor.batchedProduct(b, g, transposeA: transposeOther, transposeB: true)
                    : Tensor.batchedProduct(g, b, transposeA: false, transposeB: !transposeOther)
                da = da!.sum(toShape: a.shape)
            }
            if b.requiresGrad {
                db = transposeOther
                    ? Tensor.batchedProduct(g, a, transposeA: true, transposeB: transposeSelf)
                    : Tensor.batchedProduct(a, g, transposeA: !transposeSelf, transposeB: false)
                db = db!.sum(toShape: b.shape)
            }
            return [da, db]
        }
    }

    /// The product without autodiff; batch dimensions broadcast.
    static func batchedProduct(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> Tensor {
        let ra = a.rank, rb = b.rank
        let m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2]
        let ka = transposeA ? a.shape[ra - 2] : a.shape[ra - 1]
        let kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2]
        let n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1]
        precondition(ka == kb, "matmul: inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = broadcastShape(batchA, batchB, op: "matmul")
        let batchCount = batch.reduce(1, *)
        let outShape = batch + [m, n]
        // Offsets of each batch entry's A and B matrix under broadcasting.
        let offsetsA = batchOffsets(batchA, to: batch, matrix: m * ka)
        let offsetsB = batchOffsets(batchB, to: batch, matrix: kb * n)
        let pa = a.storage.pointer, pb = b.storage.pointer
        return Tensor(shape: outShape) { c in
            let pc = c.baseAddress!
            if m == 0 || n == 0 { return }
            if ka == 0 { c.initialize(repeating: 0); return }
            let flops = m * n * ka
            if batchCount > 1 && flops < (1 << 18) {
                // Small matrices: one single-threaded GEMM per core.
                BLASThreads.single {
                    Parallel.forEachChunk(batchCount, costPerItem: flops) { range in
                        for i in range {
                            sgemm(pa + offsetsA[i], pb + offsetsB[i], pc + i * m * n,
                                  m: m, n: n, k: ka, transposeA: transposeA, transposeB: transposeB)
                        }
                    }
                }
            } else {
                for i in 0..<batchCount {
                    sgemm(pa + offsetsA[i], pb + offsetsB[i], pc + i * m * n,
                          m: m, n: n, k: ka, transposeA: transposeA, transposeB: transposeB)
                }
            }
        }
    }

    private static func batchOffsets(_ own: [Int], to batch: [Int], matrix: Int) -> [Int] {
        let count = batch.reduce(1, *)
        if own == batch { return (0..<count).map { $0 * matrix } }
        let strides = broadcastStrides(own, to: batch)
        return (0..<count).map { flat in
            var rem = flat, offset = 0
            for d in stride(from: batch.count - 1, through: 0, by: -1) {
                offset += (rem % batch[d]) * strides[d]
                rem /= batch[d]
            }
            return offset * matrix
        }
    }
}
