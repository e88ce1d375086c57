import Foundation

// Fused, numerically stable softmax and log-softmax over one axis.

extension Tensor {
    /// Calls `body(row pointer, output pointer, n, stride)` for every 1-D line along `axis`.
    func forEachLine(
        along axis: Int, output: UnsafeMutablePointer<Float>,
        _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int) -> Void
    ) {
        let (outer, n, inner) = reductionExtents(axis)
        let src = storage.pointer
        Parallel.forEachChunk(outer * inner, costPerItem: n * 8) { range in
            for line in range {
                let a = line / inner, j = line % inner
                let offset = a * n * inner + j
                body(src + offset, output + offset, n, inner)
            }
        }
    }

    /// softmax(x)_i = e^{x_i - max} / Σ_j e^{x_j - max} along `axis`.
    /// Backward: dx = y ⊙ (dy - Σ dy ⊙ y). A line whose entries are all -∞ (a fully masked
    /// attention row) gives zeros and a zero gradient, where PyTorch gives NaN.
    public func softmax(axis: Int = -1) -> Tensor {
        let ax = normalizedAxis(axis, op: "softmax")
        let out = Tensor(shape: shape) { o in
            forEachLine(along: ax, output: o.baseAddress!) { x, y, n, s in
                var m = -Float.infinity
                for i in 0..<n { m = Swift.max(m, x[i * s]) }
                if m == -.infinity { m = 0 }
                var total: Float = 0
                if s == 1 {
                    total = sumOfShiftedExponentials(x, count: n, shift: m, output: y)
                } else {
                    for i in 0..<n { let e = Foundation.exp(x[i * s] - m); y[i * s] = e; total += e }
                }
                let inv = total > 0 ? 1 / total : 0
                for i in 0..<n { y[i * s] *= inv }
            }
        }
        return Tensor.recording(out, inputs: [self]) { g in
            [Tensor.softmaxBackward(output: out, gradient: g, axis: ax)]
        }
    }

    static func softmaxBackward(output y: Tensor, gradient g: Tensor, axis: Int) -> Tensor {
        let pg = g.storage.pointer
        let base = y.storage.pointer
        return Tensor(shape: y.shape) { dx in
            let pd = dx.baseAddress!
            y.forEachLine(along: axis, output: pd) { py, d, n, s in
                let offset = py - UnsafePointer(base)
                let gy = pg + offset
                var dot: Float = 0
                for i in 0..<n { dot += gy[i * s] * py[i * s] }
                for i in 0..<n { d[i * s] = py[i * s] * (gy[i * s] - dot) }
            }
        }
    }

    /// log softmax along `axis`: x - max - log Σ e^{x - max}.
    /// Backward: dx = dy - softmax(x) Σ dy.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        let ax = normalizedAxis(axis, op: "logSoftmax")
        let out = Tensor(shape: shape) { o in
            forEachLine(along: ax, output: o.baseAddress!) { x, y, n, s in
                var m = -Float.infinity
                for i in 0..<n { m = Swift.max(m, x[i * s]) }
                if m == -.infinity { m = 0 }
                var total: Float = 0
                if s == 1 {
                    total = sumOfShiftedExponentials(x, count: n, shift: m, output: nil)
                } else {
                    for i in 0..<n { total += Foundation.exp(x[i * s] - m) }
                }
                let lse = m + Foundation.log(total)
                for i in 0..<n { y[i * s] = x[i * s] - lse }
            }
        }
        return Tensor.recording(out, inputs: [self]) { g in
            let pg = g.storage.pointer
            let base = out.storage.pointer
            return [Tensor(shape: out.shape) { dx in
                out.forEachLine(along: ax, output: dx.baseAddress!) { py, d, n, s in
                    let gy = pg + (py - UnsafePointer(base))
                    var total: Float = 0
                    for i in 0..<n { total += gy[i * s] }
                    for i in 0..<n { d[i * s] = gy[i * s] - Foundation.exp(py[i * s]) * total }
                }
            }]
        }
    }
}
