import Testing
@testable import Tensors

/// Max, average and adaptive average pooling, and inference batch norm, against PyTorch
/// (Tests/Fixtures/generate/kernels.py, relative tolerance 1e-4) and against Float64
/// reference loops with finite differences.
@Suite struct PoolingTests {
    static func pair(_ values: [Int]?) -> (Int, Int)? { values.map { ($0[0], $0[1]) } }

    @Test func maxPoolMatchesPyTorch() throws {
        let fixtures = try KernelFixtures.load()
        let cases = fixtures.cases("maxPool2d")
        #expect(cases.count == 3)
        for (index, fixture) in cases.enumerated() {
            let p = fixture.params
            var x = try #require(fixtures.tensor(fixture, "x")); x.requiresGrad = true
            let y = x.maxPool2d(kernel: try #require(Self.pair(p.kernel)), stride: Self.pair(p.stride),
                                padding: Self.pair(p.padding) ?? (0, 0))
            expectClose(y, try #require(fixtures.tensor(fixture, "y")), "maxPool case \(index) output")
            let gy: Tensor = try #require(fixtures.tensor(fixture, "gy"))
            y.backward(gy)
            expectClose(try #require(x.grad), try #require(fixtures.tensor(fixture, "dx")), "maxPool case \(index) dx")
        }
    }

    @Test func avgPoolMatchesPyTorch() throws {
        let fixtures = try KernelFixtures.load()
        let cases = fixtures.cases("avgPool2d")
        #expect(cases.count == 4)
        for (index, fixture) in cases.enumerated() {
            let p = fixture.params
            var x = try #require(fixtures.tensor(fixture, "x")); x.requiresGrad = true
            let y = x.avgPool2d(kernel: try #require(Self.pair(p.kernel)), stride: Self.pair(p.stride),
                                padding: Self.pair(p.padding) ?? (0, 0), countIncludePad: try #require(p.countIncludePad as Bool?))
            expectClose(y, try #require(fixtures.tensor(fixture, "y")), "avgPool case \(index) output")
            let gy: Tensor = try #require(fixtures.tensor(fixture, "gy"))
            y.backward(gy)
            expectClose(try #require(x.grad), try #require(fixtures.tensor(fixture, "dx")), "avgPool case \(index) dx")
        }
    }

    @Test func adaptiveAvgPoolMatchesPyTorch() throws {
        let fixtures = try KernelFixtures.load()
        let cases = fixtures.cases("adaptiveAvgPool2d")
        #expect(cases.count == 5)
        for (index, fixture) in cases.enumerated() {
            var x = try #require(fixtures.tensor(fixture, "x")); x.requiresGrad = true
            let y = x.adaptiveAvgPool2d(outputSize: try #require(Self.pair(fixture.params.outputSize)))
            expectClose(y, try #require(fixtures.tensor(fixture, "y")), "adaptiveAvgPool case \(index) output")
            let gy: Tensor = try #require(fixtures.tensor(fixture, "gy"))
            y.backward(gy)
            expectClose(try #require(x.grad), try #require(fixtures.tensor(fixture, "dx")), "adaptiveAvgPool case \(index) dx")
        }
    }

    @Test func batchNormInferenceMatchesPyTorch() throws {
        let fixtures = try KernelFixtures.load()
        let cases = fixtures.cases("batchNorm2dInference")
        #expect(cases.count == 2)
        for (index, fixture) in cases.enumerated() {
            var x = try #require(fixtures.tensor(fixture, "x")); x.requiresGrad = true
            var w = fixtures.tensor(fixture, "w"); w?.requiresGrad = true
            var b = fixtures.tensor(fixture, "b"); b?.requiresGrad = true
            let y = x.batchNorm2dInference(mean: try #require(fixtures.tensor(fixture, "mean")),
                                           variance: try #require(fixtures.tensor(fixture, "var")),
                                           weight: w, bias: b, epsilon: Float(try #require(fixture.params.epsilon)))
            expectClose(y, try #require(fixtures.tensor(fixture, "y")), "batchNorm case \(index) output")
            let gy: Tensor = try #require(fixtures.tensor(fixture, "gy"))
            y.backward(gy)
            expectClose(try #require(x.grad), try #require(fixtures.tensor(fixture, "dx")), "batchNorm case \(index) dx")
            if let w { expectClose(try #require(w.grad), try #require(fixtures.tensor(fixture, "dw")), "batchNorm case \(index) dw") }
            if let b { expectClose(try #require(b.grad), try #require(fixtures.tensor(fixture, "db")), "batchNorm case \(index) db") }
        }
    }

    @Test(arguments: [((3, 3), (2, 2), (1, 1), [1, 2, 7, 6]), ((2, 3), (1, 2), (0, 1), [2, 1, 5, 7])])
    func maxPoolGradientMatchesFiniteDifferences(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), shape: [Int]) {
        // Distinct values 0.37 apart, so no window has a near-tie within the step.
        let count = shape.reduce(1, *)
        var generator = RandomGenerator(seed: 41)
        var values = (0..<count).map { Double($0) * 0.37 - Double(count) * 0.18 }
        for i in Swift.stride(from: count - 1, to: 0, by: -1) {
            let j = Int(generator.next() % UInt64(i + 1))
            values.swapAt(i, j)
        }
        var x = Tensor(shape: shape, scalars: values.map(Float.init)); x.requiresGrad = true
        let y = x.maxPool2d(kernel: kernel, stride: stride, padding: padding)
        let reference = referencePool(values, shape, kernel: kernel, stride: stride, padding: padding, mode: .max)
        expectClose(y, Tensor(shape: reference.shape, scalars: reference.values.map(Float.init)), "maxPool forward")
        let (gy, gys) = randomInput(y.shape, seed: 42)
        y.backward(gy)
        let numeric = finiteDifferenceGradient(values, step: 1e-3) { v in
            zip(referencePool(v, shape, kernel: kernel, stride: stride, padding: padding, mode: .max).values, gys).reduce(0) { $0 + $1.0 * $1.1 }
        }
        expectGradient(x.grad, numeric, "maxPool dx")
    }

    @Test(arguments: [true, false])
    func avgPoolGradientMatchesFiniteDifferences(countIncludePad: Bool) {
        let shape = [2, 2, 7, 6]
        var (x, xs) = randomInput(shape, seed: 43)
        x.requiresGrad = true
        let mode: ReferencePoolMode = countIncludePad ? .averageIncludingPadding : .average
        let y = x.avgPool2d(kernel: (3, 2), stride: (2, 1), padding: (1, 1), countIncludePad: countIncludePad)
        let reference = referencePool(xs, shape, kernel: (3, 2), stride: (2, 1), padding: (1, 1), mode: mode)
        expectClose(y, Tensor(shape: reference.shape, scalars: reference.values.map(Float.init)), "avgPool forward")
        let (gy, gys) = randomInput(y.shape, seed: 44)
        y.backward(gy)
        let numeric = finiteDifferenceGradient(xs) { v in
            zip(referencePool(v, shape, kernel: (3, 2), stride: (2, 1), padding: (1, 1), mode: mode).values, gys).reduce(0) { $0 + $1.0 * $1.1 }
        }
        expectGradient(x.grad, numeric, "avgPool dx")
    }

    @Test(arguments: [((7, 5), (3, 2)), ((3, 4), (5, 6)), ((6, 6), (1, 1))])
    func adaptiveAvgPoolGradientMatchesFiniteDifferences(size: (Int, Int), output: (Int, Int)) {
        let shape = [1, 2, size.0, size.1]
        var (x, xs) = randomInput(shape, seed: 45)
        x.requiresGrad = true
        let y = x.adaptiveAvgPool2d(outputSize: output)
        let reference = referenceAdaptiveAverage(xs, shape, output: output)
        expectClose(y, Tensor(shape: reference.shape, scalars: reference.values.map(Float.init)), "adaptiveAvgPool forward")
        let (gy, gys) = randomInput(y.shape, seed: 46)
        y.backward(gy)
        let numeric = finiteDifferenceGradient(xs) { v in
            zip(referenceAdaptiveAverage(v, shape, output: output).values, gys).reduce(0) { $0 + $1.0 * $1.1 }
        }
        expectGradient(x.grad, numeric, "adaptiveAvgPool dx")
    }

    @Test func batchNormInferenceGradientsMatchFiniteDifferences() {
        let shape = [2, 3, 4, 3]
        var (x, xs) = randomInput(shape, seed: 51)
        var (w, ws) = randomInput([3], seed: 52)
        var (b, bs) = randomInput([3], seed: 53)
        let (mean, means) = randomInput([3], seed: 54)
        let variances: [Double] = [0.5, 1.7, 0.9]
        let variance = Tensor(variances.map(Float.init))
        x.requiresGrad = true; w.requiresGrad = true; b.requiresGrad = true
        let epsilon = 1e-3
        func reference(_ x: [Double], _ w: [Double], _ b: [Double]) -> [Double] {
            let spatial = 12
            return x.indices.map { i in
                let c = (i / spatial) % 3
                return (x[i] - means[c]) / (variances[c] + epsilon).squareRoot() * w[c] + b[c]
            }
        }
        let y = x.batchNorm2dInference(mean: mean, variance: variance, weight: w, bias: b, epsilon: Float(epsilon))
        expectClose(y, Tensor(shape: shape, scalars: reference(xs, ws, bs).map(Float.init)), "batchNorm forward")
        let (gy, gys) = randomInput(shape, seed: 55)
        y.backward(gy)
        func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double { zip(reference(x, w, b), gys).reduce(0) { $0 + $1.0 * $1.1 } }
        expectGradient(x.grad, finiteDifferenceGradient(xs) { loss($0, ws, bs) }, "batchNorm dx")
        expectGradient(w.grad, finiteDifferenceGradient(ws) { loss(xs, $0, bs) }, "batchNorm dweight")
        expectGradient(b.grad, finiteDifferenceGradient(bs) { loss(xs, ws, $0) }, "batchNorm dbias")
    }
}

enum ReferencePoolMode { case max, average, averageIncludingPadding }

/// Float64 max / average pooling loop over NCHW (floor output sizes).
func referencePool(_ x: [Double], _ shape: [Int], kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int),
                   mode: ReferencePoolMode) -> (values: [Double], shape: [Int]) {
    let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
    let oh = (h + 2 * padding.0 - kernel.0) / stride.0 + 1
    let ow = (w + 2 * padding.1 - kernel.1) / stride.1 + 1
    var y: [Double] = []
    for plane in 0..<planes {
        for i in 0..<oh {
            for j in 0..<ow {
                var best = -Double.infinity, sum = 0.0, count = 0
                for p in 0..<kernel.0 {
                    for q in 0..<kernel.1 {
                        let ih = i * stride.0 - padding.0 + p, iw = j * stride.1 - padding.1 + q
                        guard ih >= 0 && ih < h && iw >= 0 && iw < w else { continue }
                        let v = x[(plane * h + ih) * w + iw]
                        best = Swift.max(best, v)
                        sum += v
                        count += 1
                    }
                }
                switch mode {
                case .max: y.append(best)
                case .average: y.append(sum / Double(count))
                case .averageIncludingPadding: y.append(sum / Double(kernel.0 * kernel.1))
                }
            }
        }
    }
    return (y, [shape[0], shape[1], oh, ow])
}

/// Float64 adaptive average pooling: windows ⌊i·H/out⌋ ..< ⌈(i+1)·H/out⌉.
func referenceAdaptiveAverage(_ x: [Double], _ shape: [Int], output: (Int, Int)) -> (values: [Double], shape: [Int]) {
    let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
    var y: [Double] = []
    for plane in 0..<planes {
        for i in 0..<output.0 {
            let h0 = Int((Double(i * h) / Double(output.0)).rounded(.down))
            let h1 = Int((Double((i + 1) * h) / Double(output.0)).rounded(.up))
            for j in 0..<output.1 {
                let w0 = Int((Double(j * w) / Double(output.1)).rounded(.down))
                let w1 = Int((Double((j + 1) * w) / Double(output.1)).rounded(.up))
                var sum = 0.0
                for p in h0..<h1 { for q in w0..<w1 { sum += x[(plane * h + p) * w + q] } }
                y.append(sum / Double((h1 - h0) * (w1 - w0)))
            }
        }
    }
    return (y, [shape[0], shape[1], output.0, output.1])
}
