// Reductions over axes. A reduction over one axis views the tensor as
// [outer, n, inner] and reduces the middle.

extension Tensor {
    /// Splits the shape around `axis` into (outer, n, inner).
    func reductionExtents(_ axis: Int) -> (outer: Int, n: Int, inner: Int) {
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        return (outer, shape[axis], inner)
    }

    func reducedShape(_ axes: [Int], keepDims: Bool) -> [Int] {
        var result: [Int] = []
        for (i, d) in shape.enumerated() {
            if axes.contains(i) {
                if keepDims { result.append(1) }
            } else {
                result.append(d)
            }
        }
        return result
    }

    /// Sum of all scalars, as a 0-D tensor.
    public func sum() -> Tensor {
        var total: Double = 0
        let p = storage.pointer
        for i in 0..<count { total += Double(p[i]) }
        let out = Tensor(scalar: Float(total))
        return Tensor.recording(out, inputs: [self]) { g in
            [Tensor(repeating: g.item, shape: self.shape)]
        }
    }

    /// Mean of all scalars, as a 0-D tensor.
    public func mean() -> Tensor { sum() / Float(Swift.max(count, 1)) }

    /// Sum over `axes` (negative values count from the end).
    public func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
        let normalized = Array(Set(axes.map { normalizedAxis($0, op: "sum") })).sorted()
        var result = self
        for axis in normalized.reversed() { result = result.sumKeepingDim(axis) }
        let target = reducedShape(normalized, keepDims: keepDims)
        return result.reshaped(target)
    }

    /// Sum over one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Mean over `axes`.
    public func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
        let n = axes.map { shape[normalizedAxis($0, op: "mean")] }.reduce(1, *)
        return sum(axes: axes, keepDims: keepDims) / Float(Swift.max(n, 1))
    }

    /// Mean over one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Population variance over `axes` (`unbiased: true` divides by n - 1).
    public func variance(axes: [Int], keepDims: Bool = false, unbiased: Bool = false) -> Tensor {
        let n = axes.map { shape[normalizedAxis($0, op: "variance")] }.reduce(1, *)
        let centered = self - mean(axes: axes, keepDims: true)
        let ss = (centered * centered).sum(axes: axes, keepDims: keepDims)
        return ss / Float(Swift.max(unbiased ? n - 1 : n, 1))
    }

    private func sumKeepingDim(_ axis: Int) -> Tensor {
        let (outer, n, inner) = reductionExtents(axis)
        var outShape = shape
        outShape[axis] = 1
        let src = storage.pointer
        // Accumulates in Float64: a long axis summed in Float32 drifts (1e5 terms of 0.1
        // lose about 1e-4 relative), while PyTorch's cascade sum stays near 1e-7.
        let out = Tensor(shape: outShape) { o in
            let po = o.baseAddress!
            Parallel.forEachChunk(outer, costPerItem: n * inner) { range in
                let totals = UnsafeMutableBufferPointer<Double>.allocate(capacity: inner)
                defer { totals.deallocate() }
                for a in range {
                    totals.initialize(repeating: 0)
                    for k in 0..<n {
                        let row = src + (a * n + k) * inner
                        for j in 0..<inner { totals[j] += Double(row[j]) }
                    }
                    let dst = po + a * inner
                    for j in 0..<inner { dst[j] = Float(totals[j]) }
                }
            }
        }
        let inputShape = shape
        return Tensor.recording(out, inputs: [self]) { g in
            [g.expanded(to: inputShape)]
        }
    }

    /// Maximum over `axis` with the index of the first maximum.
    public func max(axis: Int, keepDims: Bool = false) -> (values: Tensor, indices: [Int]) {
        let ax = normalizedAxis(axis, op: "max")
        let (outer, n, inner) = reductionExtents(ax)
        precondition(n > 0, "max: empty axis \(axis) in shape \(shape)")
        var indices = [Int](repeating: 0, count: outer * inner)
        let src = storage.pointer
        let values = Tensor(shape: reducedShape([ax], keepDims: keepDims)) { o in
            for a in 0..<outer {
                for j in 0..<inner {
                    var best = src[a * n * inner + j]
                    var bestIndex = 0
                    for k in 1..<n {
                        let v = src[(a * n + k) * inner + j]
                        if v > best || (v.isNaN && !best.isNaN) { best = v; bestIndex = k }
                    }
                    o[a * inner + j] = best
                    indices[a * inner + j] = bestIndex
                }
            }
        }
        let inputShape = shape
        let picked = indices
        let out = Tensor.recording(values, inputs: [self]) { g in
            [Tensor(shape: inputShape) { dx in
                dx.initialize(repeating: 0)
                let pg = g.storage.pointer
                for a in 0..<outer {
                    for j in 0..<inner {
                        dx[(a * n + picked[a * inner + j]) * inner + j] = pg[a * inner + j]
                    }
                }
            }]
        }
        return (out, indices)
    }

    /// Maximum over `axis`.
    public func max(alongAxis axis: Int, keepDims: Bool = false) -> Tensor { max(axis: axis, keepDims: keepDims).values }

    /// Index of the maximum over `axis` (the first one on ties).
    public func argmax(axis: Int = -1) -> [Int] { withoutGradients { max(axis: axis).indices } }

    /// Largest scalar.
    public func maxScalar() -> Float { storage.buffer.max() ?? -.infinity }

    /// Broadcasts a tensor whose shape is `target` with some extents 1 (or fewer leading
    /// dimensions) to `target` by repetition.
    public func expanded(to target: [Int]) -> Tensor {
        if shape == target { return self }
        let out = Tensor.zeros(target) + self.detached()
        return Tensor.recording(out, inputs: [self]) { g in [g.sum(toShape: self.shape)] }
    }
}
