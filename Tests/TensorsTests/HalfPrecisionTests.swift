import Testing
import Tensors

/// Float16 and BFloat16 storage conversions against torch / numpy bit patterns
/// (`Tests/Fixtures/ops/half.safetensors`, from `Tests/Fixtures/generate/ops.py`):
/// round to nearest with ties to even, overflow to infinity, subnormals, signed zero.
@Suite struct HalfPrecisionTests {
    @Test func float16RoundingMatchesTorch() throws {
        let fixture = try OpFixture(area: "half")
        let input = try fixture.tensor("float16/input")
        let expected = try fixture.unsignedShorts("float16/bits")
        let ours = input.float16Bits()
        #expect(ours.count == expected.count)
        for (i, (a, e)) in zip(ours, expected).enumerated() {
            #expect(a == e, "float16 of \(input.scalars[i]): 0x\(String(a, radix: 16)), torch 0x\(String(e, radix: 16))")
        }
    }

    /// Every one of the 65 536 Float16 bit patterns decodes to numpy's Float32 value.
    @Test func float16DecodingMatchesNumpy() throws {
        let fixture = try OpFixture(area: "half")
        let expected = try fixture.tensor("float16/decoded").scalars
        let patterns = (0...UInt16.max).map { $0 }
        let decoded = patterns.withUnsafeBufferPointer { Tensor(shape: [patterns.count], float16Bits: $0) }.scalars
        var mismatches = 0
        for (a, e) in zip(decoded, expected) where !(a.isNaN && e.isNaN) && a.bitPattern != e.bitPattern {
            mismatches += 1
        }
        #expect(mismatches == 0)
        // Decoding then encoding is the identity on every non-NaN pattern.
        let reencoded = Tensor(shape: [decoded.count], scalars: decoded).float16Bits()
        let changed = zip(patterns, reencoded).filter { p, r in p != r && !decoded[Int(p)].isNaN }.count
        #expect(changed == 0)
    }

    @Test func bfloat16RoundingMatchesTorch() throws {
        let fixture = try OpFixture(area: "half")
        let input = try fixture.tensor("bfloat16/input")
        let expected = try fixture.unsignedShorts("bfloat16/bits")
        let ours = input.bfloat16Bits()
        #expect(ours.count == expected.count)
        for (i, (a, e)) in zip(ours, expected).enumerated() {
            #expect(a == e, "bfloat16 of \(input.scalars[i]): 0x\(String(a, radix: 16)), torch 0x\(String(e, radix: 16))")
        }
        // The Float32 read back is the top half of the bits.
        let back = expected.withUnsafeBufferPointer { Tensor(shape: [expected.count], bfloat16Bits: $0) }.scalars
        for (value, bits) in zip(back, expected) {
            #expect(value.bitPattern == UInt32(bits) << 16)
            #expect(BFloat16(bitPattern: bits).floatValue.bitPattern == value.bitPattern)
        }
    }

    /// NaN stays NaN in both formats, including a signalling NaN whose payload lives only
    /// in the low 16 bits (plain truncation would turn it into infinity).
    @Test func nanStaysNaN() {
        let nans: [Float] = [.nan, -.nan, Float(bitPattern: 0x7F80_0001), Float(bitPattern: 0xFF80_0001), .signalingNaN]
        let tensor = Tensor(nans)
        for bits in tensor.bfloat16Bits() {
            #expect(BFloat16(bitPattern: bits).floatValue.isNaN, "0x\(String(bits, radix: 16))")
        }
        for bits in tensor.float16Bits() {
            #expect(bits & 0x7C00 == 0x7C00 && bits & 0x03FF != 0, "0x\(String(bits, radix: 16))")
        }
    }
}
