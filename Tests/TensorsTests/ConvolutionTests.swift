import Testing
@testable import Tensors

/// conv2d / conv2dNHWC against PyTorch (Tests/Fixtures/generate/kernels.py, relative
/// tolerance 1e-4) and against a Float64 reference loop with finite differences.
@Suite struct ConvolutionTests {
    struct Settings {
        var stride = (1, 1), padding = (0, 0), dilation = (1, 1), groups = 1

        init(_ parameters: KernelFixtures.Parameters) {
            if let s = parameters.stride { stride = (s[0], s[1]) }
            if let p = parameters.padding { padding = (p[0], p[1]) }
            if let d = parameters.dilation { dilation = (d[0], d[1]) }
            groups = parameters.groups ?? 1
        }

        init(stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1) {
            (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        }
    }

    @Test func forwardAndGradientsMatchPyTorch() throws {
        let fixtures = try KernelFixtures.load()
        let cases = fixtures.cases("conv2d")
        #expect(cases.count == 13)
        for (index, fixture) in cases.enumerated() {
            let s = Settings(fixture.params)
            var x = try #require(fixtures.tensor(fixture, "x")); x.requiresGrad = true
            var w = try #require(fixtures.tensor(fixture, "w")); w.requiresGrad = true
            var b = fixtures.tensor(fixture, "b"); b?.requiresGrad = true
            let y = x.conv2d(weight: w, bias: b, stride: s.stride, padding: s.padding, dilation: s.dilation, groups: s.groups)
            expectClose(y, try #require(fixtures.tensor(fixture, "y")), "conv case \(index) output")
            let gy: Tensor = try #require(fixtures.tensor(fixture, "gy"))
            y.backward(gy)
            expectClose(try #require(x.grad), try #require(fixtures.tensor(fixture, "dx")), "conv case \(index) dx")
            expectClose(try #require(w.grad), try #require(fixtures.tensor(fixture, "dw")), "conv case \(index) dw")
            if let b { expectClose(try #require(b.grad), try #require(fixtures.tensor(fixture, "db")), "conv case \(index) db") }
        }
    }

    /// Pins each SIMD level (portable C, AVX2, AVX-512; a level the machine lacks falls
    /// back to its best) and checks the forward against PyTorch.
    @Test(arguments: [0, 1, 2]) func everyKernelPathMatchesPyTorch(instructionSet: Int) throws {
        let fixtures = try KernelFixtures.load()
        for (index, fixture) in fixtures.cases("conv2d").enumerated() {
            let s = Settings(fixture.params)
            let x = try #require(fixtures.tensor(fixture, "x")).toChannelsLast()
            let w = try #require(fixtures.tensor(fixture, "w"))
            let b = fixtures.tensor(fixture, "b")
            var geometry = ConvolutionGeometry(inputNHWC: x.shape, weight: w.shape, bias: b?.shape, stride: s.stride,
                                               padding: s.padding, dilation: s.dilation, groups: s.groups)
            geometry.instructionSet = instructionSet
            let y = Tensor.convolutionForward(input: x, weight: w, bias: b, geometry: geometry).toChannelsFirst()
            expectClose(y, try #require(fixtures.tensor(fixture, "y")), "conv case \(index) at level \(instructionSet)")
        }
    }

    @Test(arguments: [
        (Settings(stride: (2, 1), padding: (1, 1), groups: 2), [2, 4, 6, 5], [6, 2, 3, 3], true),
        (Settings(padding: (2, 2), dilation: (2, 2), groups: 3), [1, 3, 7, 7], [3, 1, 3, 3], true),
        (Settings(stride: (1, 2), padding: (0, 1)), [1, 2, 5, 6], [3, 2, 2, 3], true),
        (Settings(stride: (2, 2)), [2, 3, 5, 5], [4, 3, 1, 1], false),
    ])
    func gradientsMatchFiniteDifferences(settings: Settings, inputShape: [Int], weightShape: [Int], hasBias: Bool) throws {
        var (x, xs) = randomInput(inputShape, seed: 11)
        var (w, ws) = randomInput(weightShape, seed: 12, scale: 0.5)
        var (bias, bs) = randomInput([weightShape[0]], seed: 13)
        x.requiresGrad = true; w.requiresGrad = true; bias.requiresGrad = true
        let y = x.conv2d(weight: w, bias: hasBias ? bias : nil, stride: settings.stride, padding: settings.padding,
                         dilation: settings.dilation, groups: settings.groups)
        let reference = referenceConvolution(xs, inputShape, ws, weightShape, hasBias ? bs : nil, settings)
        #expect(y.shape == reference.shape)
        expectClose(y, Tensor(shape: reference.shape, scalars: reference.values.map(Float.init)), "forward vs Float64 loop")
        let (gy, gys) = randomInput(y.shape, seed: 14)
        y.backward(gy)
        func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
            let out = referenceConvolution(x, inputShape, w, weightShape, hasBias ? b : nil, settings).values
            return zip(out, gys).reduce(0) { $0 + $1.0 * $1.1 }
        }
        expectGradient(x.grad, finiteDifferenceGradient(xs) { loss($0, ws, bs) }, "dx")
        expectGradient(w.grad, finiteDifferenceGradient(ws) { loss(xs, $0, bs) }, "dw")
        if hasBias { expectGradient(bias.grad, finiteDifferenceGradient(bs) { loss(xs, ws, $0) }, "db") }
    }

    /// A convolution big enough for several row blocks, K blocks and both threads.
    @Test(arguments: [
        ([2, 64, 20, 20], [96, 64, 3, 3], Settings(padding: (1, 1))),
        ([1, 600, 9, 9], [130, 600, 1, 1], Settings()),
        ([3, 3, 33, 31], [16, 3, 7, 7], Settings(stride: (2, 2), padding: (3, 3))),
        ([2, 48, 17, 17], [48, 1, 3, 3], Settings(stride: (2, 2), padding: (1, 1), groups: 48)),
    ])
    func largeConvolutionMatchesFloat64Loop(inputShape: [Int], weightShape: [Int], settings: Settings) {
        let (x, xs) = randomInput(inputShape, seed: 21)
        let (w, ws) = randomInput(weightShape, seed: 22, scale: 0.1)
        let (b, bs) = randomInput([weightShape[0]], seed: 23)
        let y = x.conv2d(weight: w, bias: b, stride: settings.stride, padding: settings.padding,
                         dilation: settings.dilation, groups: settings.groups)
        let reference = referenceConvolution(xs, inputShape, ws, weightShape, bs, settings)
        expectClose(y, Tensor(shape: reference.shape, scalars: reference.values.map(Float.init)), "large conv")
    }

    @Test func channelsLastPathEqualsNCHWPath() {
        let (x, _) = randomInput([2, 5, 6, 7], seed: 31)
        let (w, _) = randomInput([4, 5, 3, 3], seed: 32)
        let nchw = x.conv2d(weight: w, bias: nil, stride: (2, 1), padding: (1, 1))
        let nhwc = x.toChannelsLast().conv2dNHWC(weight: w, bias: nil, stride: (2, 1), padding: (1, 1))
        #expect(nhwc.shape == [2, 3, 7, 4])
        #expect(nhwc.toChannelsFirst().scalars == nchw.scalars)
    }

    /// The fused epilogue (residual add and ReLU inside the output pass) equals the three
    /// separate ops exactly, at every SIMD level, for 1x1, strided 3x3, grouped and
    /// wide-channel geometries (the last splits its weight panels over threads).
    @Test(arguments: [0, 1, 2]) func fusedResidualReLUEqualsSeparateOps(instructionSet: Int) {
        let cases: [(input: [Int], weight: [Int], stride: Int, padding: Int, groups: Int)] = [
            ([2, 7, 9, 16], [24, 16, 1, 1], 1, 0, 1),
            ([2, 9, 8, 12], [20, 12, 3, 3], 2, 1, 1),
            ([1, 6, 6, 8], [8, 4, 3, 3], 1, 1, 2),
            ([1, 3, 3, 64], [300, 64, 1, 1], 1, 0, 1),
        ]
        for (index, item) in cases.enumerated() {
            let (x, _) = randomInput(item.input, seed: UInt64(40 + index))
            let (w, _) = randomInput(item.weight, seed: UInt64(50 + index))
            let (b, _) = randomInput([item.weight[0]], seed: UInt64(60 + index))
            var geometry = ConvolutionGeometry(inputNHWC: x.shape, weight: w.shape, bias: b.shape,
                                               stride: (item.stride, item.stride), padding: (item.padding, item.padding),
                                               dilation: (1, 1), groups: item.groups)
            geometry.instructionSet = instructionSet
            let plain = Tensor.convolutionForward(input: x, weight: w, bias: b, geometry: geometry)
            let (residual, _) = randomInput(plain.shape, seed: UInt64(70 + index))
            let both = Tensor.convolutionForward(input: x, weight: w, bias: b, geometry: geometry, residual: residual,
                                                 relu: true)
            let added = Tensor.convolutionForward(input: x, weight: w, bias: b, geometry: geometry, residual: residual)
            let rectified = Tensor.convolutionForward(input: x, weight: w, bias: b, geometry: geometry, relu: true)
            #expect(both.scalars == (plain + residual).relu().scalars, "case \(index) residual+relu")
            #expect(added.scalars == (plain + residual).scalars, "case \(index) residual")
            #expect(rectified.scalars == plain.relu().scalars, "case \(index) relu")
            #expect(rectified.scalars.contains(0) && rectified.scalars.contains { $0 > 0 }, "case \(index) has both signs")
        }
    }

    /// With a gradient to record, the fused call runs the separate differentiable ops.
    @Test func fusedCallStaysDifferentiable() {
        var (x, _) = randomInput([1, 4, 4, 3], seed: 80)
        let (w, _) = randomInput([5, 3, 3, 3], seed: 81)
        let (residual, _) = randomInput([1, 4, 4, 5], seed: 82)
        x.requiresGrad = true
        let fused = x.conv2dNHWC(weight: w, bias: nil, padding: (1, 1), residual: residual, relu: true)
        fused.sum().backward()
        let expected = (x.detached().conv2dNHWC(weight: w, bias: nil, padding: (1, 1)) + residual).relu()
        #expect(fused.scalars == expected.scalars)
        var y = x.detached()
        y.requiresGrad = true
        (y.conv2dNHWC(weight: w, bias: nil, padding: (1, 1)) + residual).relu().sum().backward()
        #expect(x.grad?.scalars == y.grad?.scalars)
        #expect(x.grad?.scalars.contains { $0 != 0 } == true)
    }

    @Test func layoutConversionMovesEveryElement() {
        var x = Tensor(shape: [2, 3, 4, 5]) { for i in 0..<$0.count { $0[i] = Float(i) } }
        x.requiresGrad = true
        let last = x.toChannelsLast()
        #expect(last.shape == [2, 4, 5, 3])
        for (n, c, h, w) in [(0, 0, 0, 0), (1, 2, 3, 4), (0, 1, 2, 3), (1, 0, 3, 1)] {
            #expect(last[n, h, w, c] == x[n, c, h, w])
        }
        #expect(last.toChannelsFirst().scalars == x.scalars)
        // Extents that are not multiples of the 8x8 transpose blocks.
        let wide = Tensor(shape: [2, 19, 11, 13]) { for i in 0..<$0.count { $0[i] = Float(i) } }
        let wideLast = wide.toChannelsLast()
        var moved = true
        for n in 0..<2 { for c in 0..<19 { for h in 0..<11 { for w in 0..<13 where wideLast[n, h, w, c] != wide[n, c, h, w] { moved = false } } } }
        #expect(moved)
        #expect(wideLast.toChannelsFirst().scalars == wide.scalars)
        let weights = Tensor(shape: last.shape) { for i in 0..<$0.count { $0[i] = Float(i % 7) } }
        (last * weights).sum().backward()
        #expect(x.grad?.toChannelsLast().scalars == weights.scalars)
    }
}

/// Float64 convolution loop (NCHW), the independent reference of the tests.
func referenceConvolution(_ x: [Double], _ xShape: [Int], _ w: [Double], _ wShape: [Int], _ b: [Double]?,
                          _ s: ConvolutionTests.Settings) -> (values: [Double], shape: [Int]) {
    let (n, cin, h, wd) = (xShape[0], xShape[1], xShape[2], xShape[3])
    let (cout, cg, kh, kw) = (wShape[0], wShape[1], wShape[2], wShape[3])
    let oh = (h + 2 * s.padding.0 - s.dilation.0 * (kh - 1) - 1) / s.stride.0 + 1
    let ow = (wd + 2 * s.padding.1 - s.dilation.1 * (kw - 1) - 1) / s.stride.1 + 1
    let og = cout / s.groups
    var y = [Double](repeating: 0, count: n * cout * oh * ow)
    for image in 0..<n {
        for o in 0..<cout {
            let group = o / og
            for i in 0..<oh {
                for j in 0..<ow {
                    var sum = b?[o] ?? 0
                    for c in 0..<cg {
                        for p in 0..<kh {
                            let ih = i * s.stride.0 - s.padding.0 + p * s.dilation.0
                            if ih < 0 || ih >= h { continue }
                            for q in 0..<kw {
                                let iw = j * s.stride.1 - s.padding.1 + q * s.dilation.1
                                if iw < 0 || iw >= wd { continue }
                                sum += x[((image * cin + group * cg + c) * h + ih) * wd + iw] * w[((o * cg + c) * kh + p) * kw + q]
                            }
                        }
                    }
                    y[((image * cout + o) * oh + i) * ow + j] = sum
                }
            }
        }
    }
    return (y, [n, cout, oh, ow])
}
