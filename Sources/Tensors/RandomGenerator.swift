import Foundation

/// A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64),
/// independent of the system generator: the same seed gives the same stream on every
/// machine. Used for initialisation, dropout masks and shuffling.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    /// A generator whose stream is determined by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// A generator continuing from `stateWords` (as returned by `stateWords`), for
    /// checkpoints that must resume the exact stream. Returns nil unless there are four
    /// words, not all zero (xoshiro's one invalid state).
    public init?(stateWords: [UInt64]) {
        guard stateWords.count == 4, stateWords.contains(where: { $0 != 0 }) else { return nil }
        s0 = stateWords[0]; s1 = stateWords[1]; s2 = stateWords[2]; s3 = stateWords[3]
    }

    /// The four 64-bit words of the generator's state; `init(stateWords:)` continues from them.
    public var stateWords: [UInt64] { [s0, s1, s2, s3] }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform in [0, 1) with 24 bits of precision.
    @inline(__always)
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A standard normal sample (Box-Muller).
    public mutating func nextNormal() -> Float {
        let u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * Foundation.log(Swift.max(u1, 1e-300))).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }

    /// A uniformly random permutation of `0..<n` (Fisher-Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        p.shuffle(using: &self)
        return p
    }

    /// A new generator derived from this one, for a parallel stream.
    public mutating func split() -> RandomGenerator { RandomGenerator(seed: next()) }
}

extension Tensor {
    /// Standard-normal samples times `std` plus `mean`.
    public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1, generator: inout RandomGenerator) -> Tensor {
        Tensor(shape: shape) { b in
            for i in 0..<b.count { b[i] = mean + std * generator.nextNormal() }
        }
    }

    /// Uniform samples in [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, generator: inout RandomGenerator) -> Tensor {
        Tensor(shape: shape) { b in
            for i in 0..<b.count { b[i] = low + (high - low) * generator.nextUnitFloat() }
        }
    }

    /// 1 with probability `p`, else 0.
    public static func bernoulli(_ shape: [Int], probability p: Float, generator: inout RandomGenerator) -> Tensor {
        let threshold = UInt32(Swift.min(Swift.max(Double(p), 0), 1) * 4_294_967_295.0)
        return Tensor(shape: shape) { b in
            let n = b.count
            var i = 0
            while i + 1 < n {
                let r = generator.next()
                b[i] = UInt32(truncatingIfNeeded: r) < threshold ? 1 : 0
                b[i + 1] = UInt32(truncatingIfNeeded: r >> 32) < threshold ? 1 : 0
                i += 2
            }
            if i < n { b[i] = UInt32(truncatingIfNeeded: generator.next()) < threshold ? 1 : 0 }
        }
    }

    /// Inverted dropout: zeroes each scalar with probability `p` and scales the rest by
    /// 1/(1-p). Identity when `p` is 0.
    public func dropout(probability p: Float, generator: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout: probability \(p) outside [0, 1)")
        if p == 0 { return self }
        let scale = 1 / (1 - p)
        let keep = UInt32((1 - Double(p)) * 4_294_967_295.0)
        let src = storage.pointer
        let n = count
        // One mask of scaled keep factors, shared by forward and backward.
        let mask = Tensor(shape: shape) { m in
            var i = 0
            while i + 1 < n {
                let r = generator.next()
                m[i] = UInt32(truncatingIfNeeded: r) < keep ? scale : 0
                m[i + 1] = UInt32(truncatingIfNeeded: r >> 32) < keep ? scale : 0
                i += 2
            }
            if i < n { m[i] = UInt32(truncatingIfNeeded: generator.next()) < keep ? scale : 0 }
        }
        let pm = mask.storage.pointer
        let out = Tensor(shape: shape) { o in
            for i in 0..<n { o[i] = src[i] * pm[i] }
        }
        return Tensor.recording(out, inputs: [self]) { g in [g * mask] }
    }
}
