import Testing
@testable import NeuralNetwork

/// PyTorch parity for Linear, Embedding, LayerNorm and Sequential: the layer loads the
/// fixture's weights by state-dict key, runs the fixture input, back-propagates the
/// fixture's upstream gradient, and matches output and every gradient.
/// Fixtures: Tests/Fixtures/generate/layers.py. Tolerance: 1e-5 relative + 1e-6 absolute.
@Suite struct BasicLayerParityTests {
    let relative: Float = 1e-5
    let absolute: Float = 1e-6

    @Test func linearMatchesTorch() throws {
        let fixture = try LayerFixture("linear")
        var generator = RandomGenerator(seed: 1)
        let layer = Linear(inputSize: 7, outputSize: 5, generator: &generator)
        try layer.loadStateDict(fixture.parameters)
        let input = try fixture.input()
        let output = layer(input)
        expectAllClose(output, try fixture["output"], relative: relative, absolute: absolute, "output")
        output.backward(try fixture["upstream"])
        expectAllClose(input.grad, try fixture["grad.input"], relative: relative, absolute: absolute, "input gradient")
        fixture.expectParameterGradients(of: layer, relative: relative, absolute: absolute)
    }

    @Test func linearLoadsFromSafetensorsThroughWeightScope() throws {
        let file = try SafetensorsFile(contentsOf: LayerFixture.url("linear"))
        let fixture = try LayerFixture(file: file)
        let root = WeightScope(file)
        let layer = try Linear(weights: root.scoped("param"), inputSize: 7, outputSize: 5)
        #expect(throws: WeightLoadingError.unusedKeys(["grad.input", "grad.param.bias", "grad.param.weight",
                                                       "input", "output", "upstream"])) {
            try root.verifyAllUsed()
        }
        try root.verifyAllUsed(allowing: ["grad.*", "input", "output", "upstream"])
        #expect(layer.weight.requiresGrad && layer.bias?.requiresGrad == true)
        let output = try withoutGradients { layer(try fixture["input"]) }
        expectAllClose(output, try fixture["output"], relative: relative, absolute: absolute, "output")
    }

    @Test func embeddingMatchesTorch() throws {
        let fixture = try LayerFixture("embedding")
        let weights = WeightScope(fixture.parameters)
        let layer = try Embedding(weights: weights, count: 11, dimension: 6)
        let output = layer(try fixture.ids("input"), shape: [2, 4])
        expectAllClose(output, try fixture["output"], relative: relative, absolute: absolute, "output")
        output.backward(try fixture["upstream"])
        // Id 3 appears three times and id 1 twice: their rows accumulate.
        fixture.expectParameterGradients(of: layer, relative: relative, absolute: absolute)
    }

    @Test func layerNormMatchesTorch() throws {
        let fixture = try LayerFixture("layer_norm")
        let layer = LayerNorm(dimension: 8)
        try layer.loadStateDict(fixture.parameters)
        let input = try fixture.input()
        let output = layer(input)
        expectAllClose(output, try fixture["output"], relative: relative, absolute: absolute, "output")
        output.backward(try fixture["upstream"])
        expectAllClose(input.grad, try fixture["grad.input"], relative: relative, absolute: absolute, "input gradient")
        fixture.expectParameterGradients(of: layer, relative: relative, absolute: absolute)
    }

    @Test func sequentialUsesTorchKeysAndMatches() throws {
        let fixture = try LayerFixture("sequential")
        var generator = RandomGenerator(seed: 9)
        let model = Sequential(
            Linear(inputSize: 4, outputSize: 6, generator: &generator),
            ActivationLayer(.gelu),
            Linear(inputSize: 6, outputSize: 3, generator: &generator))
        #expect(model.namedParameters().map(\.0) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        try model.loadStateDict(fixture.parameters)
        let input = try fixture.input()
        let output = model(input)
        expectAllClose(output, try fixture["output"], relative: relative, absolute: absolute, "output")
        output.backward(try fixture["upstream"])
        expectAllClose(input.grad, try fixture["grad.input"], relative: relative, absolute: absolute, "input gradient")
        fixture.expectParameterGradients(of: model, relative: relative, absolute: absolute)
    }
}
