import Testing
@testable import NeuralNetwork

/// PyTorch parity for TransformerEncoderLayer (`nn.TransformerEncoderLayer(8, 2, 16,
/// batch_first=True)` in eval mode with a key-padding mask), post-norm with relu and
/// pre-norm with gelu: output, input gradient and every parameter gradient, loaded by
/// PyTorch state-dict keys. Fixtures: Tests/Fixtures/generate/layers.py.
/// Tolerance: 1e-4 relative + 1e-6 absolute.
@Suite struct TransformerEncoderLayerParityTests {
    let relative: Float = 1e-4
    let absolute: Float = 1e-6

    @Test(arguments: [("transformer_post_norm_relu", false, Activation.relu),
                      ("transformer_pre_norm_gelu", true, Activation.gelu)])
    func encoderLayerMatchesTorch(name: String, normFirst: Bool, activation: Activation) throws {
        let fixture = try LayerFixture(name)
        let weights = WeightScope(fixture.parameters)
        let layer = try TransformerEncoderLayer(weights: weights, embedDimension: 8, headCount: 2,
                                                feedForwardDimension: 16, dropout: 0.1,
                                                activation: activation, normFirst: normFirst)
        try weights.verifyAllUsed()
        layer.eval()
        let input = try fixture.input()
        let output = layer(input, keyPaddingMask: try fixture.mask("mask.padding"))
        expectAllClose(output, try fixture["output"], relative: relative, absolute: absolute, "\(name) output")
        output.backward(try fixture["upstream"])
        expectAllClose(input.grad, try fixture["grad.input"], relative: relative, absolute: absolute, "\(name) input gradient")
        fixture.expectParameterGradients(of: layer, relative: relative, absolute: absolute)
    }

    @Test func randomInitHasTorchKeysAndSizes() {
        var generator = RandomGenerator(seed: 4)
        let layer = TransformerEncoderLayer(embedDimension: 8, headCount: 2, feedForwardDimension: 16,
                                            generator: &generator)
        let shapes = Dictionary(uniqueKeysWithValues: layer.namedParameters().map { ($0.0, $0.1.shape) })
        #expect(shapes == [
            "self_attn.in_proj_weight": [24, 8], "self_attn.in_proj_bias": [24],
            "self_attn.out_proj.weight": [8, 8], "self_attn.out_proj.bias": [8],
            "linear1.weight": [16, 8], "linear1.bias": [16], "linear2.weight": [8, 16], "linear2.bias": [8],
            "norm1.weight": [8], "norm1.bias": [8], "norm2.weight": [8], "norm2.bias": [8],
        ])
        // 4·8² + 4·8 attention, 2·8·16 + 16 + 8 feed-forward, 4·8 norms.
        #expect(layer.parameterCount == 288 + 280 + 32)
        #expect(layer.parameters.allSatisfy { $0.requiresGrad })
    }
}
