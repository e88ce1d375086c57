import Testing
@testable import NeuralNetwork

/// PyTorch parity for Conv2d: a 3×3 convolution with padding 1 and bias, and a grouped,
/// strided, dilated, asymmetric convolution without bias. Output, input gradient and
/// parameter gradients. Fixtures: Tests/Fixtures/generate/layers.py.
/// Tolerance: 1e-4 relative + 1e-5 absolute (sums of up to 27 products per output).
@Suite struct Conv2dParityTests {
    let relative: Float = 1e-4
    let absolute: Float = 1e-5

    func check(_ name: String, _ layer: Conv2d) throws {
        let fixture = try LayerFixture(name)
        try layer.loadStateDict(fixture.parameters)
        let input = try fixture.input()
        let output = layer(input)
        expectAllClose(output, try fixture["output"], relative: relative, absolute: absolute, "\(name) output")
        output.backward(try fixture["upstream"])
        expectAllClose(input.grad, try fixture["grad.input"], relative: relative, absolute: absolute, "\(name) input gradient")
        fixture.expectParameterGradients(of: layer, relative: relative, absolute: absolute)
    }

    @Test func paddedConvolutionMatchesTorch() throws {
        var generator = RandomGenerator(seed: 12)
        try check("conv2d", Conv2d(inputChannels: 3, outputChannels: 5, kernelSize: (3, 3), padding: (1, 1),
                                   generator: &generator))
    }

    @Test func groupedStridedDilatedConvolutionMatchesTorch() throws {
        let fixture = try LayerFixture("conv2d_grouped")
        let layer = try Conv2d(weights: WeightScope(fixture.parameters), inputChannels: 4, outputChannels: 6,
                               kernelSize: (3, 2), stride: (2, 1), padding: (1, 2), dilation: (1, 2),
                               groups: 2, bias: false)
        #expect(layer.namedParameters().map(\.0) == ["weight"])
        #expect(layer.weight.shape == [6, 2, 3, 2])
        try check("conv2d_grouped", layer)
    }

    @Test func randomInitFollowsTorchFanIn() {
        var generator = RandomGenerator(seed: 2)
        let layer = Conv2d(inputChannels: 16, outputChannels: 32, kernelSize: (3, 3), groups: 4, generator: &generator)
        // fanIn = 16/4 · 3 · 3 = 36, bound 1/6.
        let bound: Float = 1.0 / 6.0
        let weights = layer.weight.scalars
        #expect(weights.allSatisfy { Swift.abs($0) <= bound } && (weights.max() ?? 0) > 0.98 * bound)
        #expect(layer.bias?.scalars.allSatisfy { Swift.abs($0) <= bound } == true)
        #expect(layer.parameterCount == 32 * 4 * 9 + 32)
    }
}
