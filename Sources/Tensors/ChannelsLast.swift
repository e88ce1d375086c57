import CKernels

// Layout conversion between NCHW (PyTorch's default) and NHWC (channels-last, the layout
// the convolution kernels compute in).

extension Tensor {
    /// [N, C, H, W] -> [N, H, W, C], with autodiff (the gradient converts back).
    public func toChannelsLast() -> Tensor {
        precondition(rank == 4, "toChannelsLast: needs an NCHW tensor, got shape \(shape)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let out = Tensor.transposingBatches(self, batch: n, rows: c, columns: h * w, outShape: [n, h, w, c])
        return Tensor.recording(out, inputs: [self]) { g in [g.toChannelsFirst()] }
    }

    /// [N, H, W, C] -> [N, C, H, W], with autodiff (the gradient converts back).
    public func toChannelsFirst() -> Tensor {
        precondition(rank == 4, "toChannelsFirst: needs an NHWC tensor, got shape \(shape)")
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        let out = Tensor.transposingBatches(self, batch: n, rows: h * w, columns: c, outShape: [n, c, h, w])
        return Tensor.recording(out, inputs: [self]) { g in [g.toChannelsLast()] }
    }

    /// Transposes each of `batch` row-major [rows, columns] matrices, split over the cores
    /// by (batch, block of 64 rows).
    static func transposingBatches(_ source: Tensor, batch: Int, rows: Int, columns: Int, outShape: [Int]) -> Tensor {
        let src = source.storage.pointer
        let block = 64
        let rowBlocks = (rows + block - 1) / block
        return Tensor(shape: outShape) { out in
            let dst = out.baseAddress!
            let matrix = rows * columns
            if matrix == 0 { return }
            Parallel.forEachChunk(batch * rowBlocks, costPerItem: block * columns) { range in
                for item in range {
                    let b = item / rowBlocks
                    let r0 = (item % rowBlocks) * block
                    mm_transpose_rows(src + b * matrix, dst + b * matrix, rows, columns, r0, Swift.min(r0 + block, rows))
                }
            }
        }
    }
}
