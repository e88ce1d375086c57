import Testing
@testable import NeuralNetwork

/// PyTorch parity for MultiHeadAttention (`nn.MultiheadAttention(8, 2, batch_first=True)`
/// in eval mode) with a key-padding mask and an additive mask holding one -inf: output,
/// attention weights averaged and per head, and gradients for the inputs and every
/// parameter. Fixtures: Tests/Fixtures/generate/layers.py.
/// Tolerance: 1e-4 relative + 1e-6 absolute.
@Suite struct AttentionParityTests {
    let relative: Float = 1e-4
    let absolute: Float = 1e-6

    func loadLayer(_ fixture: LayerFixture) throws -> MultiHeadAttention {
        let weights = WeightScope(fixture.parameters)
        let layer = try MultiHeadAttention(weights: weights, embedDimension: 8, headCount: 2, dropout: 0.1)
        try weights.verifyAllUsed()
        layer.eval()
        return layer
    }

    @Test func selfAttentionMatchesTorch() throws {
        let fixture = try LayerFixture("attention_self")
        let layer = try loadLayer(fixture)
        let input = try fixture.input()
        let padding = try fixture.mask("mask.padding")
        let additive = try fixture["mask.additive"]
        let (output, averaged) = layer(input, keyPaddingMask: padding, attentionMask: additive, weights: .averaged)
        expectAllClose(output, try fixture["output"], relative: relative, absolute: absolute, "output")
        expectAllClose(averaged, try fixture["output.weights"], relative: relative, absolute: absolute, "averaged weights")
        let perHead = withoutGradients {
            layer(input, keyPaddingMask: padding, attentionMask: additive, weights: .perHead).weights
        }
        expectAllClose(perHead, try fixture["output.weights_per_head"], relative: relative, absolute: absolute, "per-head weights")
        output.backward(try fixture["upstream"])
        expectAllClose(input.grad, try fixture["grad.input"], relative: relative, absolute: absolute, "input gradient")
        fixture.expectParameterGradients(of: layer, relative: relative, absolute: absolute)
    }

    @Test func crossAttentionMatchesTorch() throws {
        let fixture = try LayerFixture("attention_cross")
        let layer = try loadLayer(fixture)
        let query = try fixture.input(), key = try fixture.input("input.key"), value = try fixture.input("input.value")
        let (output, averaged) = layer(query: query, key: key, value: value,
                                       keyPaddingMask: try fixture.mask("mask.padding"),
                                       attentionMask: try fixture["mask.additive"], weights: .averaged)
        #expect(output.shape == [2, 3, 8])
        expectAllClose(output, try fixture["output"], relative: relative, absolute: absolute, "output")
        expectAllClose(averaged, try fixture["output.weights"], relative: relative, absolute: absolute, "averaged weights")
        output.backward(try fixture["upstream"])
        expectAllClose(query.grad, try fixture["grad.input"], relative: relative, absolute: absolute, "query gradient")
        expectAllClose(key.grad, try fixture["grad.input.key"], relative: relative, absolute: absolute, "key gradient")
        expectAllClose(value.grad, try fixture["grad.input.value"], relative: relative, absolute: absolute, "value gradient")
        fixture.expectParameterGradients(of: layer, relative: relative, absolute: absolute)
    }

    @Test func paddedKeysGetZeroWeight() throws {
        let fixture = try LayerFixture("attention_cross")
        let layer = try loadLayer(fixture)
        let weights = try withoutGradients {
            layer(query: try fixture["input"], key: try fixture["input.key"], value: try fixture["input.value"],
                  keyPaddingMask: [[false, false, false, false, false, false], [false, false, false, true, false, true]],
                  weights: .perHead).weights
        }
        guard let weights else { Issue.record("no weights"); return }
        #expect(weights.shape == [2, 2, 3, 6])
        for head in 0..<2 {
            for row in 0..<3 {
                #expect(weights[1, head, row, 3] == 0 && weights[1, head, row, 5] == 0)
                #expect(weights[0, head, row, 3] > 0)
                let total = (0..<6).reduce(Float(0)) { $0 + weights[1, head, row, $1] }
                #expect(Swift.abs(total - 1) < 1e-5)
            }
        }
    }

    @Test func dropoutOnWeightsOnlyInTraining() throws {
        var generator = RandomGenerator(seed: 3)
        let layer = MultiHeadAttention(embedDimension: 8, headCount: 2, dropout: 0.5, generator: &generator)
        let input = Tensor.randn([2, 5, 8], generator: &generator)
        layer.eval()
        let first = withoutGradients { layer(input).output }
        let second = withoutGradients { layer(input).output }
        #expect(first.scalars == second.scalars)
        layer.train()
        let dropped = withoutGradients { layer(input).output }
        let difference = zip(dropped.scalars, first.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
        #expect(difference > 1e-3)
    }

    @Test func maskFormsAgree() throws {
        var generator = RandomGenerator(seed: 6)
        let layer = MultiHeadAttention(embedDimension: 8, headCount: 2, generator: &generator)
        let query = Tensor.randn([2, 3, 8], generator: &generator)
        let memory = Tensor.randn([2, 4, 8], generator: &generator)
        let perBatch = Tensor.randn([2, 3, 4], generator: &generator)
        let padding = [[false, true, false, false], [false, false, false, true]]
        let paddingAdditive = Tensor(shape: [2, 1, 1, 4], scalars: padding.flatMap { $0.map { $0 ? -Float.infinity : 0 } })
        let (expected, _) = withoutGradients {
            // [B, h, Lq, Lk] with the padding folded in by hand.
            layer(query: query, key: memory, value: memory,
                  attentionMask: perBatch.unsqueezed(1).expanded(to: [2, 2, 3, 4]) + paddingAdditive)
        }
        let (actual, _) = withoutGradients {
            layer(query: query, key: memory, value: memory, keyPaddingMask: padding, attentionMask: perBatch)
        }
        expectAllClose(actual, expected, relative: 1e-6, absolute: 1e-6, "[B, Lq, Lk] mask with key padding")
        let (unmasked, _) = withoutGradients { layer(query: query, key: memory, value: memory) }
        #expect(unmasked.scalars != actual.scalars)
    }
}
