// Conversion between stored little-endian elements and Float32 scalars, shared by the
// safetensors and PyTorch checkpoint readers. Sources may be unaligned (mapped files).

/// Decodes `count` little-endian elements of `dtype` at `source` into Float32.
func decodeElements(_ dtype: SafetensorsDType, from source: UnsafeRawPointer, count: Int,
                    into destination: UnsafeMutablePointer<Float>) {
    guard count > 0 else { return }
    switch dtype {
    case .f32:
        UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
    case .f64:
        for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: i * 8, as: Double.self)) }
    case .f16:
        #if arch(x86_64) || arch(arm64)
        for i in 0..<count {
            destination[i] = Float(Float16(bitPattern: source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
        }
        #else
        for i in 0..<count {
            destination[i] = halfBitsToFloat(source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
        }
        #endif
    case .bf16:
        for i in 0..<count {
            destination[i] = Float(bitPattern: UInt32(source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) << 16)
        }
    case .i64:
        for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)) }
    case .i32:
        for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)) }
    case .i16:
        for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)) }
    case .i8:
        for i in 0..<count { destination[i] = Float(source.load(fromByteOffset: i, as: Int8.self)) }
    case .u64:
        for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) }
    case .u32:
        for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)) }
    case .u16:
        for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) }
    case .u8:
        for i in 0..<count { destination[i] = Float(source.load(fromByteOffset: i, as: UInt8.self)) }
    case .bool:
        for i in 0..<count { destination[i] = source.load(fromByteOffset: i, as: UInt8.self) != 0 ? 1 : 0 }
    }
}

/// IEEE half-precision bits to Float32, for platforms without a native `Float16`.
func halfBitsToFloat(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = Int((bits >> 10) & 0x1F)
    let mantissa = UInt32(bits & 0x3FF)
    if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
    if exponent == 0 {
        let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
        return sign != 0 ? -magnitude : magnitude
    }
    return Float(bitPattern: sign | (UInt32(exponent + 112) << 23) | (mantissa << 13))
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

/// Why a scalar could not be encoded: its index and value.
struct UnrepresentableValue: Error {
    var index: Int
    var value: Float
}

/// Encodes `count` Float32 scalars as little-endian `dtype` elements at `destination`.
/// Integer and boolean types accept only scalars that convert exactly.
func encodeElements(_ source: UnsafePointer<Float>, count: Int, as dtype: SafetensorsDType,
                    into destination: UnsafeMutableRawPointer) throws(UnrepresentableValue) {
    guard count > 0 else { return }
    func exactInteger<I: FixedWidthInteger>(_ value: Float, index: Int, as: I.Type) throws(UnrepresentableValue) -> I {
        guard let integer = I(exactly: value) else { throw UnrepresentableValue(index: index, value: value) }
        return integer
    }
    switch dtype {
    case .f32:
        destination.copyMemory(from: source, byteCount: count * 4)
    case .f64:
        for i in 0..<count { destination.storeBytes(of: Double(source[i]), toByteOffset: i * 8, as: Double.self) }
    case .f16:
        for i in 0..<count { destination.storeBytes(of: floatToHalfBits(source[i]), toByteOffset: i * 2, as: UInt16.self) }
    case .bf16:
        for i in 0..<count {
            destination.storeBytes(of: BFloat16(source[i]).bitPattern, toByteOffset: i * 2, as: UInt16.self)
        }
    case .i64:
        for i in 0..<count {
            destination.storeBytes(of: try exactInteger(source[i], index: i, as: Int64.self), toByteOffset: i * 8, as: Int64.self)
        }
    case .i32:
        for i in 0..<count {
            destination.storeBytes(of: try exactInteger(source[i], index: i, as: Int32.self), toByteOffset: i * 4, as: Int32.self)
        }
    case .i16:
        for i in 0..<count {
            destination.storeBytes(of: try exactInteger(source[i], index: i, as: Int16.self), toByteOffset: i * 2, as: Int16.self)
        }
    case .i8:
        for i in 0..<count {
            destination.storeBytes(of: try exactInteger(source[i], index: i, as: Int8.self), toByteOffset: i, as: Int8.self)
        }
    case .u64:
        for i in 0..<count {
            destination.storeBytes(of: try exactInteger(source[i], index: i, as: UInt64.self), toByteOffset: i * 8, as: UInt64.self)
        }
    case .u32:
        for i in 0..<count {
            destination.storeBytes(of: try exactInteger(source[i], index: i, as: UInt32.self), toByteOffset: i * 4, as: UInt32.self)
        }
    case .u16:
        for i in 0..<count {
            destination.storeBytes(of: try exactInteger(source[i], index: i, as: UInt16.self), toByteOffset: i * 2, as: UInt16.self)
        }
    case .u8:
        for i in 0..<count {
            destination.storeBytes(of: try exactInteger(source[i], index: i, as: UInt8.self), toByteOffset: i, as: UInt8.self)
        }
    case .bool:
        for i in 0..<count {
            let value = source[i]
            guard value == 0 || value == 1 else { throw UnrepresentableValue(index: i, value: value) }
            destination.storeBytes(of: UInt8(value == 1 ? 1 : 0), toByteOffset: i, as: UInt8.self)
        }
    }
}
