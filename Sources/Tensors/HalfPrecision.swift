// Float16 and BFloat16 as storage types; compute is Float32.

/// A 16-bit brain float: the top half of a Float32 (round-to-nearest-even on conversion).
public struct BFloat16: Equatable, Sendable {
    /// Raw bits.
    public var bitPattern: UInt16

    /// Wraps raw bits.
    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    /// Rounds a Float32 to the nearest BFloat16 (ties to even; NaN stays NaN).
    public init(_ value: Float) {
        let bits = value.bitPattern
        if value.isNaN {
            bitPattern = UInt16(bits >> 16) | 0x0040
        } else {
            let rounding = 0x7FFF + ((bits >> 16) & 1)
            bitPattern = UInt16((bits &+ rounding) >> 16)
        }
    }

    /// The exact Float32 value.
    public var floatValue: Float { Float(bitPattern: UInt32(bitPattern) << 16) }
}

extension Tensor {
    /// The scalars rounded to IEEE half precision, as raw bits.
    public func float16Bits() -> [UInt16] {
        #if arch(x86_64) || arch(arm64)
        return storage.buffer.map { Float16($0).bitPattern }
        #else
        fatalError("Float16 unavailable on this architecture")
        #endif
    }

    /// The scalars rounded to BFloat16, as raw bits.
    public func bfloat16Bits() -> [UInt16] { storage.buffer.map { BFloat16($0).bitPattern } }

    /// A Float32 tensor from IEEE half-precision bits.
    public init(shape: [Int], float16Bits bits: UnsafeBufferPointer<UInt16>) {
        precondition(bits.count == shape.reduce(1, *), "Tensor(float16Bits:): \(bits.count) values for shape \(shape)")
        self.init(shape: shape) { b in
            for i in 0..<bits.count { b[i] = Float(Float16(bitPattern: bits[i])) }
        }
    }

    /// A Float32 tensor from BFloat16 bits.
    public init(shape: [Int], bfloat16Bits bits: UnsafeBufferPointer<UInt16>) {
        precondition(bits.count == shape.reduce(1, *), "Tensor(bfloat16Bits:): \(bits.count) values for shape \(shape)")
        self.init(shape: shape) { b in
            for i in 0..<bits.count { b[i] = Float(bitPattern: UInt32(bits[i]) << 16) }
        }
    }
}
