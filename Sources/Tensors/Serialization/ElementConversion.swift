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
        for i in 0..<count {
            destination[i] = halfBitsToFloat(source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
        }
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
