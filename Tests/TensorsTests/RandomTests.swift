import Foundation
import Testing
import Tensors

/// The seeded generator (xoshiro256** seeded by SplitMix64), its samplers and dropout.
@Suite struct RandomTests {
    /// The raw stream equals the reference algorithm (`Tests/Fixtures/ops/random.json`,
    /// computed by `Tests/Fixtures/generate/ops.py` from Blackman & Vigna's code).
    @Test func matchesReferenceStreams() throws {
        let url = OpFixture.directory.appendingPathComponent("random.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        let streams = try #require((object as? [String: Any])?["xoshiro256starstar"] as? [String: [String]])
        #expect(streams.count == 4)
        for (seed, values) in streams {
            var generator = RandomGenerator(seed: try #require(UInt64(seed)))
            let ours = (0..<values.count).map { _ in String(generator.next()) }
            #expect(ours == values, "seed \(seed)")
        }
    }

    @Test func sameSeedSameStream() {
        var a = RandomGenerator(seed: 1234), b = RandomGenerator(seed: 1234)
        #expect(Tensor.randn([1000], generator: &a).scalars == Tensor.randn([1000], generator: &b).scalars)
        #expect(a.permutation(50) == b.permutation(50))
        #expect(Tensor.uniform([100], generator: &a).scalars == Tensor.uniform([100], generator: &b).scalars)
    }

    /// Different seeds (and `split()` streams) are uncorrelated: |r| < 5/√n.
    @Test func seedsAreIndependent() {
        let n = 100_000
        var a = RandomGenerator(seed: 1), b = RandomGenerator(seed: 2)
        var parent = RandomGenerator(seed: 1)
        var child = parent.split()
        let bound = 5 / Double(n).squareRoot()
        for (x, y) in [(Tensor.randn([n], generator: &a), Tensor.randn([n], generator: &b)),
                       (Tensor.randn([n], generator: &parent), Tensor.randn([n], generator: &child))] {
            #expect(x.scalars != y.scalars)
            let r = zip(x.scalars, y.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } / Double(n)
            #expect(Swift.abs(r) < bound, "correlation \(r)")
        }
    }

    /// 1e5 normal samples: mean within 5σ/√n, standard deviation within 5·√(1/2n) of the
    /// requested values, and 68.27% within one standard deviation (±5 binomial σ).
    @Test func normalMoments() {
        let n = 100_000
        var generator = RandomGenerator(seed: 99)
        let x = Tensor.randn([n], mean: 3, std: 2, generator: &generator).scalars.map(Double.init)
        let mean = x.reduce(0, +) / Double(n)
        let std = (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)).squareRoot()
        #expect(Swift.abs(mean - 3) < 5 * 2 / Double(n).squareRoot(), "mean \(mean)")
        #expect(Swift.abs(std - 2) < 5 * 2 * (1 / (2 * Double(n))).squareRoot(), "std \(std)")
        let inside = Double(x.filter { Swift.abs($0 - 3) < 2 }.count) / Double(n)
        #expect(Swift.abs(inside - 0.682689) < 5 * (0.682689 * 0.317311 / Double(n)).squareRoot(), "within 1σ \(inside)")
    }

    /// Uniform samples stay in [low, high) with mean (low+high)/2 and variance (high-low)²/12.
    @Test func uniformRangeAndMoments() {
        let n = 100_000
        var generator = RandomGenerator(seed: 5)
        let x = Tensor.uniform([n], low: -1, high: 3, generator: &generator).scalars.map(Double.init)
        #expect(x.allSatisfy { $0 >= -1 && $0 < 3 })
        let mean = x.reduce(0, +) / Double(n)
        let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        #expect(Swift.abs(mean - 1) < 5 * (16.0 / 12 / Double(n)).squareRoot())
        #expect(Swift.abs(variance - 16.0 / 12) < 0.02)
    }

    /// Permutations hold every index once, and each value lands in position 0 about
    /// equally often (±5 binomial σ over 20 000 draws).
    @Test func permutations() {
        var generator = RandomGenerator(seed: 11)
        for n in [0, 1, 2, 17, 1000] {
            #expect(generator.permutation(n).sorted() == Array(0..<n))
        }
        var counts = [Int](repeating: 0, count: 5)
        let draws = 20_000
        for _ in 0..<draws { counts[generator.permutation(5)[0]] += 1 }
        let sigma = (Double(draws) * 0.2 * 0.8).squareRoot()
        for c in counts { #expect(Swift.abs(Double(c) - Double(draws) / 5) < 5 * sigma, "counts \(counts)") }
        #expect(generator.permutation(100) != generator.permutation(100))
    }

    @Test func bernoulliRate() {
        let n = 100_001
        var generator = RandomGenerator(seed: 8)
        let x = Tensor.bernoulli([n], probability: 0.3, generator: &generator).scalars
        #expect(x.allSatisfy { $0 == 0 || $0 == 1 })
        let rate = Double(x.reduce(0, +)) / Double(n)
        #expect(Swift.abs(rate - 0.3) < 5 * (0.21 / Double(n)).squareRoot())
    }

    /// Dropout keeps each scalar with probability 1-p (±5 binomial σ), scales kept
    /// scalars by exactly 1/(1-p), and its backward uses the forward's mask.
    @Test(arguments: [0.1, 0.5, 0.9] as [Float])
    func dropoutMaskAndScale(probability: Float) {
        let n = 100_001
        var inputs = RandomGenerator(seed: 21)
        var x = Tensor.uniform([n], low: 0.5, high: 1.5, generator: &inputs)
        x.requiresGrad = true
        var generator = RandomGenerator(seed: 22)
        let y = x.dropout(probability: probability, generator: &generator)
        let seed = Tensor.randn([n], generator: &inputs)
        y.backward(seed)
        let scale = 1 / (1 - probability)
        let xs = x.scalars, ys = y.scalars, gs = x.grad?.scalars ?? [], ss = seed.scalars
        var kept = 0, inconsistent = 0
        for i in 0..<n {
            if ys[i] == 0 {
                if gs[i] != 0 { inconsistent += 1 }
            } else {
                kept += 1
                if ys[i] != xs[i] * scale || gs[i] != ss[i] * scale { inconsistent += 1 }
            }
        }
        #expect(inconsistent == 0)
        let keep = Double(1 - probability)
        #expect(Swift.abs(Double(kept) / Double(n) - keep) < 5 * (keep * (1 - keep) / Double(n)).squareRoot(),
                "kept \(kept) of \(n)")
    }

    /// p = 0 is the identity; the same seed gives the same mask; backward passes
    /// finite differences when the mask is fixed by the seed.
    @Test func dropoutIdentityDeterminismAndGradient() {
        var generator = RandomGenerator(seed: 1)
        let x = Tensor.randn([64], generator: &generator)
        var unused = RandomGenerator(seed: 2)
        #expect(x.dropout(probability: 0, generator: &unused).scalars == x.scalars)
        var g1 = RandomGenerator(seed: 3), g2 = RandomGenerator(seed: 3)
        #expect(x.dropout(probability: 0.4, generator: &g1).scalars == x.dropout(probability: 0.4, generator: &g2).scalars)

        let check = GradientCheck(function: { inputs in
            var masks = RandomGenerator(seed: 4)
            return inputs[0].dropout(probability: 0.3, generator: &masks).tanh()
        }, inputs: [x], differentiable: [true])
        for comparison in check.compare(cotangent: Tensor.randn([64], generator: &generator)) {
            #expect(comparison.maximumError() < 1e-2)
        }
    }
}

extension RandomTests {
    /// A generator rebuilt from its state words continues the same stream (checkpoints rely on it).
    @Test func stateWordsContinueTheStream() throws {
        var generator = RandomGenerator(seed: 42)
        for _ in 0..<17 { _ = generator.next() }
        var restored = try #require(RandomGenerator(stateWords: generator.stateWords))
        let expected = (0..<8).map { _ in generator.next() }
        #expect((0..<8).map { _ in restored.next() } == expected)
        #expect(RandomGenerator(stateWords: [0, 0, 0, 0]) == nil)
        #expect(RandomGenerator(stateWords: [1, 2, 3]) == nil)
    }
}
