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

    /// Transposes each of `batch` row-major [rows, columns] matrices, in cache-sized
    /// tiles, split over the cores by (batch, row tile).
    static func transposingBatches(_ source: Tensor, batch: Int, rows: Int, columns: Int, outShape: [Int]) -> Tensor {
        let src = source.storage.pointer
        let tile = 32
        let rowTiles = (rows + tile - 1) / tile
        return Tensor(shape: outShape) { out in
            let dst = out.baseAddress!
            let matrix = rows * columns
            Parallel.forEachChunk(batch * rowTiles, costPerItem: tile * columns) { range in
                for item in range {
                    let b = item / rowTiles
                    let r0 = (item % rowTiles) * tile
                    let r1 = Swift.min(r0 + tile, rows)
                    let s = src + b * matrix, d = dst + b * matrix
                    var c0 = 0
                    while c0 < columns {
                        let c1 = Swift.min(c0 + tile, columns)
                        for c in c0..<c1 {
                            let drow = d + c * rows
                            for r in r0..<r1 { drow[r] = s[r * columns + c] }
                        }
                        c0 = c1
                    }
                }
            }
        }
    }
}
