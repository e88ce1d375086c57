/// NumPy/PyTorch broadcasting: shapes align at the trailing dimension; an extent of 1
/// stretches to match.
public func broadcastShape(_ a: [Int], _ b: [Int], op: String) -> [Int] {
    let rank = max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        precondition(da == db || da == 1 || db == 1,
                     "\(op): shapes \(a) and \(b) cannot be broadcast together")
        result[i] = da == 1 ? db : da
    }
    return result
}

/// Strides of `shape` seen through `target` (a broadcast of it): 0 along stretched axes.
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let own = contiguousStrides(shape)
    let offset = target.count - shape.count
    return (0..<target.count).map { i in
        i < offset ? 0 : (shape[i - offset] == 1 && target[i] != 1 ? 0 : own[i - offset])
    }
}

/// Calls `body(outputOffset, aOffset, bOffset, rowLength, aStep, bStep)` for every row
/// (last-dimension run) of the broadcast of `aShape` and `bShape` to `shape`.
@inline(__always)
func forEachBroadcastRow(
    _ shape: [Int], _ aShape: [Int], _ bShape: [Int],
    _ body: (Int, Int, Int, Int, Int, Int) -> Void
) {
    let rank = shape.count
    let aStrides = broadcastStrides(aShape, to: shape)
    let bStrides = broadcastStrides(bShape, to: shape)
    let row = rank == 0 ? 1 : shape[rank - 1]
    let aStep = rank == 0 ? 0 : aStrides[rank - 1]
    let bStep = rank == 0 ? 0 : bStrides[rank - 1]
    let rows = row == 0 ? 0 : shape.reduce(1, *) / row
    var index = [Int](repeating: 0, count: max(rank - 1, 0))
    var aOffset = 0, bOffset = 0
    for r in 0..<rows {
        body(r * row, aOffset, bOffset, row, aStep, bStep)
        // Advance the odometer over the leading dimensions.
        var d = rank - 2
        while d >= 0 {
            index[d] += 1
            aOffset += aStrides[d]
            bOffset += bStrides[d]
            if index[d] < shape[d] { break }
            aOffset -= aStrides[d] * shape[d]
            bOffset -= bStrides[d] * shape[d]
            index[d] = 0
            d -= 1
        }
    }
}

extension Tensor {
    /// Sums this tensor down to `target`, undoing a broadcast (the backward of every
    /// broadcasting op). Differentiable: the gradient is broadcast back to this shape.
    public func sum(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let targetCount = target.reduce(1, *)
        precondition(broadcastShape(target, shape, op: "sum(toShape:)") == shape,
                     "sum(toShape:): \(shape) is not a broadcast of \(target)")
        let out: Tensor
        // Fast path: target is a trailing suffix, so the result is a sum of rows.
        let offset = rank - target.count
        if Array(shape[offset...]) == target {
            let rows = count / Swift.max(targetCount, 1)
            out = Tensor(shape: target) { out in
                out.initialize(repeating: 0)
                let src = storage.pointer
                for r in 0..<rows {
                    let base = src + r * targetCount
                    for j in 0..<targetCount { out[j] += base[j] }
                }
            }
        } else {
            out = Tensor(shape: target) { out in
                out.initialize(repeating: 0)
                let src = storage.pointer
                let dst = out.baseAddress!
                forEachBroadcastRow(shape, target, shape) { o, t, _, n, tStep, _ in
                    for j in 0..<n { dst[t + j * tStep] += src[o + j] }
                }
            }
        }
        let inputShape = shape
        return Tensor.recording(out, inputs: [self]) { g in [g.expanded(to: inputShape)] }
    }
}
