import Testing
@testable import NeuralNetwork

/// PyTorch parity for BatchNorm (1d on [N, C] and [N, C, L], 2d on [N, C, H, W]): one
/// training-mode forward and backward (output, input and parameter gradients, updated
/// running statistics and batch count), then an evaluation-mode forward on new input.
/// Fixtures: Tests/Fixtures/generate/layers.py. Tolerance: 1e-5 relative + 1e-6 absolute
///.
@Suite struct BatchNormParityTests {
    let relative: Float = 1e-5
    let absolute: Float = 1e-6

    @Test(arguments: [("batch_norm_1d", 4, Float?.some(0.1)),
                      ("batch_norm_1d_sequence", 3, Float?.none),
                      ("batch_norm_2d", 4, Float?.some(0.2))])
    func batchNormMatchesTorch(name: String, channels: Int, momentum: Float?) throws {
        let fixture = try LayerFixture(name)
        let layer = BatchNorm(channelCount: channels, momentum: momentum)
        #expect(layer.namedBuffers().map(\.0) == ["running_mean", "running_var", "num_batches_tracked"])
        try layer.loadStateDict(fixture.parameters)
        layer.train()
        let input = try fixture.input()
        let output = layer(input)
        expectAllClose(output, try fixture["output"], relative: relative, absolute: absolute, "\(name) training output")
        output.backward(try fixture["upstream"])
        expectAllClose(input.grad, try fixture["grad.input"], relative: relative, absolute: absolute, "\(name) input gradient")
        fixture.expectParameterGradients(of: layer, relative: relative, absolute: absolute)
        for (key, tensor) in layer.namedBuffers() {
            expectAllClose(tensor, try fixture["after.\(key)"], relative: relative, absolute: absolute, "\(name) \(key) after one step")
        }
        layer.eval()
        let evaluation = try withoutGradients { layer(try fixture["input.eval"]) }
        expectAllClose(evaluation, try fixture["output.eval"], relative: relative, absolute: absolute, "\(name) evaluation output")
    }
}
