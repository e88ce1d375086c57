import Testing
@testable import Tensors

/// Bilinear interpolation against PyTorch (Tests/Fixtures/generate/kernels.py, relative
/// tolerance 1e-4) and against a Float64 reference with finite differences.
@Suite struct InterpolationTests {
    @Test func bilinearMatchesPyTorch() throws {
        let fixtures = try KernelFixtures.load()
        let cases = fixtures.cases("interpolateBilinear")
        #expect(cases.count == 10)
        for (index, fixture) in cases.enumerated() {
            let size = try #require(fixture.params.size)
            let alignCorners = try #require(fixture.params.alignCorners as Bool?)
            var x = try #require(fixtures.tensor(fixture, "x")); x.requiresGrad = true
            let y = x.interpolateBilinear(size: (size[0], size[1]), alignCorners: alignCorners)
            expectClose(y, try #require(fixtures.tensor(fixture, "y")), "bilinear case \(index) output")
            let gy: Tensor = try #require(fixtures.tensor(fixture, "gy"))
            y.backward(gy)
            expectClose(try #require(x.grad), try #require(fixtures.tensor(fixture, "dx")), "bilinear case \(index) dx")
        }
    }

    @Test(arguments: [((4, 5), (9, 7), false), ((4, 5), (9, 7), true), ((9, 8), (3, 5), false), ((9, 8), (3, 5), true), ((3, 3), (1, 1), true)])
    func bilinearGradientMatchesFiniteDifferences(size: (Int, Int), output: (Int, Int), alignCorners: Bool) {
        let shape = [1, 2, size.0, size.1]
        var (x, xs) = randomInput(shape, seed: 61)
        x.requiresGrad = true
        let y = x.interpolateBilinear(size: output, alignCorners: alignCorners)
        let reference = referenceBilinear(xs, shape, output: output, alignCorners: alignCorners)
        expectClose(y, Tensor(shape: [1, 2, output.0, output.1], scalars: reference.map(Float.init)), "bilinear forward")
        let (gy, gys) = randomInput(y.shape, seed: 62)
        y.backward(gy)
        let numeric = finiteDifferenceGradient(xs) { v in
            zip(referenceBilinear(v, shape, output: output, alignCorners: alignCorners), gys).reduce(0) { $0 + $1.0 * $1.1 }
        }
        expectGradient(x.grad, numeric, "bilinear dx")
    }

    @Test func sameSizeIsIdentity() {
        let (x, _) = randomInput([2, 3, 5, 4], seed: 63)
        #expect(x.interpolateBilinear(size: (5, 4)).scalars == x.scalars)
        #expect(x.interpolateBilinear(size: (5, 4), alignCorners: true).scalars == x.scalars)
    }
}

/// Float64 bilinear resampling with PyTorch's source-index rule.
func referenceBilinear(_ x: [Double], _ shape: [Int], output: (Int, Int), alignCorners: Bool) -> [Double] {
    let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
    func source(_ d: Int, _ input: Int, _ output: Int) -> (Int, Int, Double) {
        var s: Double
        if alignCorners {
            s = output > 1 ? Double(d) * Double(input - 1) / Double(output - 1) : 0
        } else {
            s = Swift.max((Double(d) + 0.5) * Double(input) / Double(output) - 0.5, 0)
        }
        let i0 = Swift.min(Int(s.rounded(.down)), input - 1)
        let i1 = Swift.min(i0 + 1, input - 1)
        return (i0, i1, s - Double(i0))
    }
    var y: [Double] = []
    for plane in 0..<planes {
        for i in 0..<output.0 {
            let (r0, r1, a) = source(i, h, output.0)
            for j in 0..<output.1 {
                let (c0, c1, b) = source(j, w, output.1)
                let at = { (r: Int, c: Int) in x[(plane * h + r) * w + c] }
                y.append((1 - a) * ((1 - b) * at(r0, c0) + b * at(r0, c1)) + a * ((1 - b) * at(r1, c0) + b * at(r1, c1)))
            }
        }
    }
    return y
}
