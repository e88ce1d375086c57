import Foundation
import Testing
@testable import NeuralNetwork

/// Activation names, Dropout behaviour in both modes, and the statistics of the random
/// initialisers against PyTorch's bounds.
@Suite struct ActivationAndDropoutTests {
    @Test func activationNamesFollowConfigs() {
        #expect(Activation(name: "gelu") == .gelu)
        #expect(Activation(name: "gelu_new") == .geluTanh)
        #expect(Activation(name: "quick_gelu") == .quickGELU)
        #expect(Activation(name: "swish") == .silu)
        #expect(Activation(name: "RELU") == .relu)
        #expect(Activation(name: "mish") == nil)
        let x = Tensor([-2, -0.5, 0, 1.5])
        #expect(Activation.relu(x).scalars == [0, 0, 0, 1.5])
        #expect(Activation.leakyReLU(slope: 0.1)(x).scalars == [-0.2, -0.05, 0, 1.5])
        #expect(ActivationLayer(.identity)(x).scalars == x.scalars)
        // GELU(1) = Φ(1) = 0.841344746…
        #expect(Swift.abs(Activation.gelu(Tensor([1])).item - 0.8413447) < 1e-6)
    }

    @Test func dropoutIsIdentityInEvalAndScalesInTraining() {
        let layer = Dropout(probability: 0.25, seed: 7)
        let input = Tensor.ones([100_000])
        layer.eval()
        #expect(layer(input).scalars == input.scalars)
        layer.train()
        let output = layer(input).scalars
        let kept = output.filter { $0 != 0 }
        #expect(kept.allSatisfy { Swift.abs($0 - 4.0 / 3.0) < 1e-6 })
        let dropFraction = Double(output.count - kept.count) / Double(output.count)
        // Binomial standard deviation √(p(1-p)/n) ≈ 0.0014; allow 5 of them.
        #expect(Swift.abs(dropFraction - 0.25) < 0.007)
        // A layer seeded alike draws the same mask; a second call draws a new one.
        let twin = Dropout(probability: 0.25, seed: 7)
        #expect(twin(input).scalars == output)
        #expect(layer(input).scalars != output)
    }

    @Test func dropoutGradientFollowsTheMask() {
        let layer = Dropout(probability: 0.5, seed: 3)
        var input = Tensor.ones([64])
        input.requiresGrad = true
        let output = layer(input)
        output.sum().backward()
        #expect(input.grad?.scalars == output.scalars)
    }

    @Test func initialisersMatchTorchBounds() {
        var generator = RandomGenerator(seed: 11)
        let linear = Linear(inputSize: 400, outputSize: 300, generator: &generator)
        let bound = 1 / Float(400).squareRoot()
        let weights = linear.weight.scalars
        #expect(weights.allSatisfy { Swift.abs($0) <= bound })
        #expect((weights.max() ?? 0) > 0.99 * bound && (weights.min() ?? 0) < -0.99 * bound)
        // U(-b, b) has variance b²/3.
        let variance = weights.reduce(0) { $0 + $1 * $1 } / Float(weights.count)
        #expect(Swift.abs(variance / (bound * bound / 3) - 1) < 0.02)
        #expect(linear.bias?.scalars.allSatisfy { Swift.abs($0) <= bound } == true)

        let attention = MultiHeadAttention(embedDimension: 64, headCount: 4, generator: &generator)
        let xavierBound = (6 / Float(64 + 192)).squareRoot()
        let projection = attention.inProjectionWeight.scalars
        #expect(projection.allSatisfy { Swift.abs($0) <= xavierBound })
        #expect((projection.max() ?? 0) > 0.99 * xavierBound)
        #expect(attention.inProjectionBias?.scalars.allSatisfy { $0 == 0 } == true)
        #expect(attention.outProjection.bias?.scalars.allSatisfy { $0 == 0 } == true)

        let embedding = Embedding(count: 1000, dimension: 50, generator: &generator).weight.scalars
        let mean = embedding.reduce(0, +) / Float(embedding.count)
        let standardDeviation = (embedding.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(embedding.count)).squareRoot()
        #expect(Swift.abs(mean) < 0.02 && Swift.abs(standardDeviation - 1) < 0.02)

        let norm = LayerNorm(dimension: 4)
        #expect(norm.weight?.scalars == [1, 1, 1, 1] && norm.bias?.scalars == [0, 0, 0, 0])
    }
}
