import CKernels
import Foundation

// Element-wise arithmetic with broadcasting. Each op's backward rule sits beside it.

@inline(__always)
func binaryMap(_ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float) -> Tensor {
    let pa = a.storage.pointer, pb = b.storage.pointer
    if a.shape == b.shape {
        return Tensor(shape: a.shape) { out in
            let po = out.baseAddress!
            Parallel.forEachChunk(out.count) { range in
                for i in range { po[i] = f(pa[i], pb[i]) }
            }
        }
    }
    if b.count == 1 && b.rank <= a.rank {
        let s = pb[0]
        return Tensor(shape: a.shape) { out in
            let po = out.baseAddress!
            Parallel.forEachChunk(out.count) { range in
                for i in range { po[i] = f(pa[i], s) }
            }
        }
    }
    if a.count == 1 && a.rank <= b.rank {
        let s = pa[0]
        return Tensor(shape: b.shape) { out in
            let po = out.baseAddress!
            Parallel.forEachChunk(out.count) { range in
                for i in range { po[i] = f(s, pb[i]) }
            }
        }
    }
    let shape = broadcastShape(a.shape, b.shape, op: op)
    return Tensor(shape: shape) { out in
        let po = out.baseAddress!
        forEachBroadcastRow(shape, a.shape, b.shape) { o, ao, bo, n, aStep, bStep in
            if aStep == 1 && bStep == 1 {
                for j in 0..<n { po[o + j] = f(pa[ao + j], pb[bo + j]) }
            } else if aStep == 1 {
                let s = pb[bo]
                for j in 0..<n { po[o + j] = f(pa[ao + j], s) }
            } else if bStep == 1 {
                let s = pa[ao]
                for j in 0..<n { po[o + j] = f(s, pb[bo + j]) }
            } else {
                for j in 0..<n { po[o + j] = f(pa[ao + j * aStep], pb[bo + j * bStep]) }
            }
        }
    }
}

@inline(__always)
func unaryMap(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
    let px = x.storage.pointer
    return Tensor(shape: x.shape) { out in
        let po = out.baseAddress!
        Parallel.forEachChunk(out.count, costPerItem: 4) { range in
            for i in range { po[i] = f(px[i]) }
        }
    }
}

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = binaryMap(a, b, op: "add", +)
        return recording(out, inputs: [a, b]) { g in
            [a.requiresGrad ? g.sum(toShape: a.shape) : nil, b.requiresGrad ? g.sum(toShape: b.shape) : nil]
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = binaryMap(a, b, op: "subtract", -)
        return recording(out, inputs: [a, b]) { g in
            [a.requiresGrad ? g.sum(toShape: a.shape) : nil, b.requiresGrad ? (-g).sum(toShape: b.shape) : nil]
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = binaryMap(a, b, op: "multiply", *)
        return recording(out, inputs: [a, b]) { g in
            [a.requiresGrad ? (g * b.detached()).sum(toShape: a.shape) : nil,
             b.requiresGrad ? (g * a.detached()).sum(toShape: b.shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = binaryMap(a, b, op: "divide", /)
        return recording(out, inputs: [a, b]) { g in
            let bd = b.detached()
            return [a.requiresGrad ? (g / bd).sum(toShape: a.shape) : nil,
                    b.requiresGrad ? (-(g * out.detached()) / bd).sum(toShape: b.shape) : nil]
        }
    }

    public static prefix func - (x: Tensor) -> Tensor {
        let out = unaryMap(x) { -$0 }
        return recording(out, inputs: [x]) { g in [-g] }
    }

    public static func + (a: Tensor, s: Float) -> Tensor {
        let out = unaryMap(a) { $0 + s }
        return recording(out, inputs: [a]) { g in [g] }
    }
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    public static func - (s: Float, a: Tensor) -> Tensor { (-a) + s }

    public static func * (a: Tensor, s: Float) -> Tensor {
        let out = unaryMap(a) { $0 * s }
        return recording(out, inputs: [a]) { g in [g * s] }
    }
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }

    public static func / (s: Float, a: Tensor) -> Tensor {
        let out = unaryMap(a) { s / $0 }
        return recording(out, inputs: [a]) { g in
            let ad = a.detached()
            return [-(g * out.detached()) / ad]
        }
    }

    public static func += (a: inout Tensor, b: Tensor) { a = a + b }
    public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
    public static func *= (a: inout Tensor, b: Tensor) { a = a * b }
    public static func *= (a: inout Tensor, s: Float) { a = a * s }

    /// `self` raised to `exponent`, element-wise.
    public func pow(_ exponent: Float) -> Tensor {
        if exponent == 2 { return self * self }
        let out = unaryMap(self) { Foundation.pow($0, exponent) }
        return Tensor.recording(out, inputs: [self]) { g in
            [g * unaryMap(self) { exponent * Foundation.pow($0, exponent - 1) }]
        }
    }

    /// Element-wise maximum with another tensor (broadcasting). Ties send the gradient to `self`.
    public func maximum(_ other: Tensor) -> Tensor {
        let out = binaryMap(self, other, op: "maximum") { Swift.max($0, $1) }
        return Tensor.recording(out, inputs: [self, other]) { g in
            let takeSelf = binaryMap(self, other, op: "maximum") { $0 >= $1 ? 1 : 0 }
            return [self.requiresGrad ? (g * takeSelf).sum(toShape: self.shape) : nil,
                    other.requiresGrad ? (g * (1 - takeSelf)).sum(toShape: other.shape) : nil]
        }
    }

    /// Clamps every scalar to `[lower, upper]`; the gradient passes where not clamped.
    public func clamped(min lower: Float = -.infinity, max upper: Float = .infinity) -> Tensor {
        // One vectorised C pass (MobileNetV2's ReLU6 runs over every expanded activation).
        let source = storage.pointer
        let out = Tensor(shape: shape) { result in
            guard let destination = result.baseAddress else { return }
            Parallel.forEachChunk(result.count, costPerItem: 1) { range in
                mm_clamp(source + range.lowerBound, destination + range.lowerBound, range.count, lower, upper)
            }
        }
        return Tensor.recording(out, inputs: [self]) { g in
            [g * unaryMap(self) { $0 >= lower && $0 <= upper ? 1 : 0 }]
        }
    }
}
