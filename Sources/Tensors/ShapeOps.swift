// Reshaping and data movement. Reshape shares storage; permute, concat and slicing copy
// (tensors stay contiguous).

extension Tensor {
    /// The same scalars under a new shape; one extent may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let hole = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != hole }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshape: cannot reshape \(shape) to \(newShape)")
            target[hole] = count / known
        }
        precondition(target.reduce(1, *) == count, "reshape: cannot reshape \(shape) (\(count) scalars) to \(newShape)")
        if target == shape { return self }
        let out = Tensor(shape: target, storage: storage)
        let inputShape = shape
        return Tensor.recording(out, inputs: [self]) { g in [g.reshaped(inputShape)] }
    }

    /// Inserts an extent-1 dimension at `axis`.
    public func unsqueezed(_ axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        precondition(a >= 0 && a <= rank, "unsqueeze: axis \(axis) out of range for shape \(shape)")
        var s = shape
        s.insert(1, at: a)
        return reshaped(s)
    }

    /// Removes the extent-1 dimension at `axis`.
    public func squeezed(_ axis: Int) -> Tensor {
        let a = normalizedAxis(axis, op: "squeeze")
        precondition(shape[a] == 1, "squeeze: axis \(axis) of \(shape) has extent \(shape[a]), not 1")
        var s = shape
        s.remove(at: a)
        return reshaped(s)
    }

    /// Flattens dimensions `start...` into one.
    public func flattened(from start: Int = 0) -> Tensor {
        let s = normalizedAxis(start, op: "flatten")
        return reshaped(Array(shape[..<s]) + [shape[s...].reduce(1, *)])
    }

    /// Reorders the dimensions: output dimension i is input dimension `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.count == rank && Set(order) == Set(0..<rank),
                     "permute: \(order) is not a permutation of the dimensions of \(shape)")
        if order == Array(0..<rank) { return self }
        let outShape = order.map { shape[$0] }
        let inStrides = contiguousStrides(shape)
        let strides = order.map { inStrides[$0] }
        let src = storage.pointer
        let out = Tensor(shape: outShape) { o in
            let dst = o.baseAddress!
            let r = outShape.count
            let inner = outShape[r - 1]
            let innerStride = strides[r - 1]
            let rows = inner == 0 ? 0 : o.count / inner
            Parallel.forEachChunk(rows, costPerItem: inner) { range in
                // Decode the starting row's index, then walk an odometer.
                var index = [Int](repeating: 0, count: r)
                var rem = range.lowerBound
                var offset = 0
                for d in stride(from: r - 2, through: 0, by: -1) {
                    index[d] = rem % outShape[d]
                    rem /= outShape[d]
                    offset += index[d] * strides[d]
                }
                for row in range {
                    let base = dst + row * inner
                    if innerStride == 1 {
                        base.update(from: src + offset, count: inner)
                    } else {
                        for j in 0..<inner { base[j] = src[offset + j * innerStride] }
                    }
                    var d = r - 2
                    while d >= 0 {
                        index[d] += 1
                        offset += strides[d]
                        if index[d] < outShape[d] { break }
                        offset -= strides[d] * outShape[d]
                        index[d] = 0
                        d -= 1
                    }
                }
            }
        }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return Tensor.recording(out, inputs: [self]) { g in [g.permuted(inverse)] }
    }

    /// Swaps two dimensions (default: the last two).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(normalizedAxis(a, op: "transpose"), normalizedAxis(b, op: "transpose"))
        return permuted(order)
    }

    /// Concatenates tensors along `axis`; all other extents must agree.
    public static func concat(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "concat: no tensors")
        let first = tensors[0]
        let ax = first.normalizedAxis(axis, op: "concat")
        for t in tensors {
            precondition(t.rank == first.rank && zip(t.shape, first.shape).enumerated().allSatisfy { $0.offset == ax || $0.element.0 == $0.element.1 },
                         "concat: shapes \(tensors.map(\.shape)) differ outside axis \(axis)")
        }
        let outer = first.shape[..<ax].reduce(1, *)
        let inner = first.shape[(ax + 1)...].reduce(1, *)
        let extents = tensors.map { $0.shape[ax] }
        let total = extents.reduce(0, +)
        var outShape = first.shape
        outShape[ax] = total
        let out = Tensor(shape: outShape) { o in
            let dst = o.baseAddress!
            var offset = 0
            for (t, n) in zip(tensors, extents) {
                let src = t.storage.pointer
                let block = n * inner
                for a in 0..<outer {
                    (dst + a * total * inner + offset * inner).update(from: src + a * block, count: block)
                }
                offset += n
            }
        }
        return recording(out, inputs: tensors) { g in
            var start = 0
            return zip(tensors, extents).map { t, n in
                defer { start += n }
                return t.requiresGrad ? g.slice(axis: ax, start..<(start + n)) : nil
            }
        }
    }

    /// Stacks equally shaped tensors along a new dimension `axis`.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack: no tensors")
        return concat(tensors.map { $0.unsqueezed(axis) }, axis: axis)
    }

    /// Splits along `axis` into pieces of the given extents.
    public func split(_ sizes: [Int], axis: Int = 0) -> [Tensor] {
        let ax = normalizedAxis(axis, op: "split")
        precondition(sizes.reduce(0, +) == shape[ax], "split: sizes \(sizes) do not add up to extent \(shape[ax]) of \(shape)")
        var start = 0
        return sizes.map { n in
            defer { start += n }
            return slice(axis: ax, start..<(start + n))
        }
    }

    /// Splits along `axis` into `parts` equal pieces.
    public func chunked(_ parts: Int, axis: Int = 0) -> [Tensor] {
        let ax = normalizedAxis(axis, op: "chunk")
        precondition(parts > 0 && shape[ax] % parts == 0, "chunk: extent \(shape[ax]) of \(shape) not divisible by \(parts)")
        return split([Int](repeating: shape[ax] / parts, count: parts), axis: ax)
    }

    /// The sub-tensor with indices `range` along `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let ax = normalizedAxis(axis, op: "slice")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[ax],
                     "slice: range \(range) out of bounds for axis \(axis) of \(shape)")
        let (outer, n, inner) = reductionExtents(ax)
        let m = range.count
        var outShape = shape
        outShape[ax] = m
        let src = storage.pointer
        let out = Tensor(shape: outShape) { o in
            let dst = o.baseAddress!
            for a in 0..<outer {
                (dst + a * m * inner).update(from: src + (a * n + range.lowerBound) * inner, count: m * inner)
            }
        }
        let inputShape = shape
        return Tensor.recording(out, inputs: [self]) { g in
            [Tensor(shape: inputShape) { dx in
                dx.initialize(repeating: 0)
                let pg = g.storage.pointer
                for a in 0..<outer {
                    (dx.baseAddress! + (a * n + range.lowerBound) * inner).update(from: pg + a * m * inner, count: m * inner)
                }
            }]
        }
    }

    /// Selects entries `index` along `axis` (`torch.index_select`); indices may repeat.
    /// The backward scatters-adds.
    public func indexSelect(axis: Int, _ index: [Int]) -> Tensor {
        let ax = normalizedAxis(axis, op: "indexSelect")
        let (outer, n, inner) = reductionExtents(ax)
        for i in index {
            precondition(i >= 0 && i < n, "indexSelect: index \(i) out of range for axis \(axis) of \(shape)")
        }
        var outShape = shape
        outShape[ax] = index.count
        let m = index.count
        let src = storage.pointer
        let out = Tensor(shape: outShape) { o in
            let dst = o.baseAddress!
            Parallel.forEachChunk(outer * m, costPerItem: inner) { range in
                for r in range {
                    let a = r / m, k = r % m
                    (dst + r * inner).update(from: src + (a * n + index[k]) * inner, count: inner)
                }
            }
        }
        let inputShape = shape
        return Tensor.recording(out, inputs: [self]) { g in
            [Tensor(shape: inputShape) { dx in
                dx.initialize(repeating: 0)
                let pg = g.storage.pointer
                let pd = dx.baseAddress!
                for a in 0..<outer {
                    for k in 0..<m {
                        let s = pg + (a * m + k) * inner
                        let d = pd + (a * n + index[k]) * inner
                        for j in 0..<inner { d[j] += s[j] }
                    }
                }
            }]
        }
    }

    /// Replaces scalars where `mask` (broadcast to this shape) is non-zero by `value`.
    /// No gradient flows to replaced positions.
    public func maskedFill(_ mask: Tensor, with value: Float) -> Tensor {
        let out = binaryMap(self, mask, op: "maskedFill") { x, m in m != 0 ? value : x }
        precondition(out.shape == shape, "maskedFill: mask \(mask.shape) does not broadcast to \(shape)")
        return Tensor.recording(out, inputs: [self]) { g in
            [binaryMap(g, mask, op: "maskedFill backward") { gy, m in m != 0 ? 0 : gy }]
        }
    }

    /// Element-wise choice: `a` where `condition` is non-zero, else `b` (broadcasting).
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = broadcastShape(broadcastShape(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        let c = condition.detached().expanded(to: shape)
        let ae = a.expanded(to: shape), be = b.expanded(to: shape)
        let pc = c.storage.pointer, pa = ae.storage.pointer, pb = be.storage.pointer
        let out = Tensor(shape: shape) { o in
            for i in 0..<o.count { o[i] = pc[i] != 0 ? pa[i] : pb[i] }
        }
        return recording(out, inputs: [ae, be]) { g in
            [binaryMap(g, c, op: "where backward") { gy, m in m != 0 ? gy : 0 },
             binaryMap(g, c, op: "where backward") { gy, m in m != 0 ? 0 : gy }]
        }
    }
}
