// Vectorised elementary functions on SIMD8<Float>, for the element-wise kernels that
// would otherwise call scalar libm once per scalar.

/// e^x on eight lanes, within about 1 ulp of the correctly rounded result for x in
/// [-87.3, 88.7] (Cody-Waite reduction x = n ln2 + r with |r| ≤ ln2/2, then the degree-7
/// minimax polynomial of Cephes `expf` for e^r). Results that underflow below about
/// -103.9 are 0, above 88.72 +∞; NaN stays NaN.
@inline(__always)
func vectorExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let upper: Float = 88.72283935546875
    let lower: Float = -103.97207708
    // Clamped by selects (SIMD `clamped` calls a generic, unvectorised helper).
    var v = x
    v.replace(with: lower, where: x .< lower)
    v.replace(with: upper, where: x .> upper)
    // n = round-to-nearest(v / ln2) by the 1.5·2²³ shift; its low bits hold n as an integer.
    let shift: Float = 12_582_912
    let shifted = v * 1.44269504088896341 + shift
    let n = shifted - shift
    var r = v - n * 0.693359375
    r = r - n * -2.12194440e-4
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let er = p * (r * r) + r + 1
    // 2^n as two factors 2^(n/2) · 2^(n - n/2), so n = 128 and subnormal results stay exact.
    let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
    let half = integer &>> 1
    let first = unsafeBitCast((half &+ 127) &<< 23, to: SIMD8<Float>.self)
    let second = unsafeBitCast((integer &- half &+ 127) &<< 23, to: SIMD8<Float>.self)
    var result = er * first * second
    result.replace(with: 0, where: x .< lower)
    result.replace(with: .infinity, where: x .> upper)
    result.replace(with: x, where: x .!= x)
    return result
}

/// erf(x) on eight lanes with absolute error below 1.5e-7: Abramowitz and Stegun 7.1.26,
/// erf|x| = 1 − (a₁t + a₂t² + a₃t³ + a₄t⁴ + a₅t⁵) e^(−x²), t = 1/(1 + p|x|), with the sign
/// restored (the formula PyTorch's vectorised CPU `erf` uses). NaN stays NaN.
@inline(__always)
func vectorErf(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let magnitude = unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: SIMD8<Float>.self)
    let signBits = unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x8000_0000
    let t = 1 / (magnitude * 0.3275911 + 1)
    var polynomial = SIMD8<Float>(repeating: 1.061405429)
    polynomial = polynomial * t - 1.453152027
    polynomial = polynomial * t + 1.421413741
    polynomial = polynomial * t - 0.284496736
    polynomial = polynomial * t + 0.254829592
    polynomial = polynomial * t
    let value = 1 - polynomial * vectorExp(-(magnitude * magnitude))
    var result = unsafeBitCast(unsafeBitCast(value, to: SIMD8<UInt32>.self) | signBits, to: SIMD8<Float>.self)
    result.replace(with: x, where: x .!= x)
    return result
}

/// Applies `body` to the scalars of `a` and `b` (same shape) eight at a time, in
/// parallel chunks; the tail lanes are padded with zeros.
@inline(__always)
func vectorMap(_ a: Tensor, _ b: Tensor, costPerItem: Int = 4,
               _ body: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>) -> Tensor {
    precondition(a.shape == b.shape, "vectorMap: shapes \(a.shape) and \(b.shape) differ")
    let first = a.storage.pointer, second = b.storage.pointer
    return Tensor(shape: a.shape) { out in
        let destination = out.baseAddress!
        let groups = (out.count + 7) / 8
        Parallel.forEachChunk(groups, costPerItem: 8 * costPerItem) { range in
            for group in range {
                let start = group * 8
                let remaining = out.count - start
                if remaining >= 8 {
                    let x = UnsafeRawPointer(first + start).loadUnaligned(as: SIMD8<Float>.self)
                    let y = UnsafeRawPointer(second + start).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(destination + start).storeBytes(of: body(x, y), as: SIMD8<Float>.self)
                } else {
                    var x = SIMD8<Float>(repeating: 0), y = SIMD8<Float>(repeating: 0)
                    for i in 0..<remaining {
                        x[i] = first[start + i]
                        y[i] = second[start + i]
                    }
                    let result = body(x, y)
                    for i in 0..<remaining { destination[start + i] = result[i] }
                }
            }
        }
    }
}

/// Applies `body` to `x` eight scalars at a time (the tail padded with zeros), in
/// parallel chunks.
@inline(__always)
func vectorMap(_ x: Tensor, costPerItem: Int = 4, _ body: (SIMD8<Float>) -> SIMD8<Float>) -> Tensor {
    let source = x.storage.pointer
    return Tensor(shape: x.shape) { out in
        let destination = out.baseAddress!
        let groups = (out.count + 7) / 8
        Parallel.forEachChunk(groups, costPerItem: 8 * costPerItem) { range in
            for group in range {
                let start = group * 8
                let remaining = out.count - start
                if remaining >= 8 {
                    let value = UnsafeRawPointer(source + start).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(destination + start).storeBytes(of: body(value), as: SIMD8<Float>.self)
                } else {
                    var value = SIMD8<Float>(repeating: 0)
                    for i in 0..<remaining { value[i] = source[start + i] }
                    let result = body(value)
                    for i in 0..<remaining { destination[start + i] = result[i] }
                }
            }
        }
    }
}

/// Σ e^(x_i - shift) over `count` contiguous scalars, writing each term to `output`
/// when given (softmax's numerator).
@inline(__always)
func sumOfShiftedExponentials(
    _ x: UnsafePointer<Float>, count: Int, shift: Float, output: UnsafeMutablePointer<Float>?
) -> Float {
    var totals = SIMD8<Float>(repeating: 0)
    var i = 0
    let offset = SIMD8<Float>(repeating: shift)
    while i + 8 <= count {
        let e = vectorExp(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - offset)
        if let output { UnsafeMutableRawPointer(output + i).storeBytes(of: e, as: SIMD8<Float>.self) }
        totals += e
        i += 8
    }
    var total = totals.sum()
    if i < count {
        var value = SIMD8<Float>(repeating: -.infinity)
        for j in i..<count { value[j - i] = x[j] }
        let e = vectorExp(value - offset)
        for j in i..<count {
            output?[j] = e[j - i]
            total += e[j - i]
        }
    }
    return total
}
