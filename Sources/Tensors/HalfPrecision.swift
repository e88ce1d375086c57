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
    public func float16Bits() -> [UInt16] { storage.buffer.map(floatToHalfBits) }

    /// The scalars rounded to BFloat16, as raw bits.
    public func bfloat16Bits() -> [UInt16] { storage.buffer.map { BFloat16($0).bitPattern } }

    /// A Float32 tensor from IEEE half-precision bits.
    public init(shape: [Int], float16Bits bits: UnsafeBufferPointer<UInt16>) {
        precondition(bits.count == shape.reduce(1, *), "Tensor(float16Bits:): \(bits.count) values for shape \(shape)")
        self.init(shape: shape) { b in
            for i in 0..<bits.count { b[i] = halfBitsToFloat(bits[i]) }
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

/// IEEE half-precision bits to Float32 (exact). Uses the native `Float16` where Swift has
/// it and the bit-level decoding elsewhere.
func halfBitsToFloat(_ bits: UInt16) -> Float {
    #if arch(x86_64) || arch(arm64)
    return Float(Float16(bitPattern: bits))
    #else
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = Int((bits >> 10) & 0x1F)
    let mantissa = UInt32(bits & 0x3FF)
    if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
    if exponent == 0 {
        let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
        return sign != 0 ? -magnitude : magnitude
    }
    return Float(bitPattern: sign | (UInt32(exponent + 112) << 23) | (mantissa << 13))
    #endif
}

/// Float32 to IEEE half-precision bits, round to nearest even.
func floatToHalfBits(_ value: Float) -> UInt16 {
    #if arch(x86_64) || arch(arm64)
    return Float16(value).bitPattern
    #else
    let bits = value.bitPattern
    let sign = UInt16((bits >> 16) & 0x8000)
    if value.isNaN { return sign | 0x7E00 }
    let magnitude = abs(value)
    if magnitude >= 65520 { return sign | 0x7C00 }
    if magnitude < Float(sign: .plus, exponent: -14, significand: 1) {
        let scaled = (magnitude * Float(sign: .plus, exponent: 24, significand: 1)).rounded(.toNearestOrEven)
        return sign | UInt16(scaled)
    }
    let exponent = Int((bits >> 23) & 0xFF) - 112
    var mantissa = (bits & 0x7F_FFFF)
    let halfway: UInt32 = 0x1000
    let remainder = mantissa & 0x1FFF
    mantissa >>= 13
    var result = UInt32(exponent << 10) | mantissa
    if remainder > halfway || (remainder == halfway && (mantissa & 1) == 1) { result += 1 }
    return sign | UInt16(result)
    #endif
}
