import Testing
@testable import NeuralNetwork

/// Adam (Kingma & Ba) over a module's parameters, written with `updateInPlace` so the
/// layers' own tensors change. Kept here so these tests depend only on the layers.
private struct AdamSteps {
    let parameters: [Tensor]
    let learningRate: Float
    var first: [[Float]]
    var second: [[Float]]
    var step = 0

    init(_ parameters: [Tensor], learningRate: Float) {
        self.parameters = parameters
        self.learningRate = learningRate
        first = parameters.map { [Float](repeating: 0, count: $0.count) }
        second = first
    }

    mutating func update() {
        step += 1
        let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
        let correction1 = 1 - Float.pow(beta1, step), correction2 = 1 - Float.pow(beta2, step)
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.grad?.scalars else { continue }
            parameter.updateInPlace { values in
                for i in 0..<values.count {
                    first[index][i] = beta1 * first[index][i] + (1 - beta1) * gradient[i]
                    second[index][i] = beta2 * second[index][i] + (1 - beta2) * gradient[i] * gradient[i]
                    let mHat = first[index][i] / correction1, vHat = second[index][i] / correction2
                    values[i] -= learningRate * mHat / (vHat.squareRoot() + epsilon)
                }
            }
        }
    }
}

private extension Float {
    static func pow(_ base: Float, _ exponent: Int) -> Float {
        (0..<exponent).reduce(1) { result, _ in result * base }
    }
}

/// Mean cross-entropy of `logits` [N, C] against `labels`, from logSoftmax.
private func crossEntropy(_ logits: Tensor, _ labels: [Int]) -> Tensor {
    let classes = logits.shape[1]
    let oneHot = Tensor(shape: logits.shape) { buffer in
        buffer.initialize(repeating: 0)
        for (row, label) in labels.enumerated() { buffer[row * classes + label] = 1 }
    }
    return -(logits.logSoftmax(axis: 1) * oneHot).sum() / Float(labels.count)
}

/// End-to-end learning with the layers: an MLP on XOR blobs and a small transformer
/// classifier on a synthetic token task.
@Suite struct LearningTests {
    @Test func mlpLearnsXorBlobs() {
        var generator = RandomGenerator(seed: 5)
        // 200 points in four Gaussian blobs at (±1, ±1), σ = 0.25; the class is 1 where
        // the coordinates' signs agree (XOR layout).
        var points: [Float] = []
        var labels: [Int] = []
        for index in 0..<200 {
            let sx: Float = index % 2 == 0 ? 1 : -1, sy: Float = (index / 2) % 2 == 0 ? 1 : -1
            points += [sx + 0.25 * generator.nextNormal(), sy + 0.25 * generator.nextNormal()]
            labels.append(sx == sy ? 1 : 0)
        }
        let inputs = Tensor(shape: [200, 2], scalars: points)
        let model = Sequential(
            Linear(inputSize: 2, outputSize: 16, generator: &generator),
            ActivationLayer(.relu),
            Linear(inputSize: 16, outputSize: 2, generator: &generator))
        var optimizer = AdamSteps(model.parameters, learningRate: 0.05)
        func accuracy() -> Double {
            let predicted = withoutGradients { model(inputs) }.argmax(axis: 1)
            return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
        }
        #expect(accuracy() < 0.8)
        for _ in 0..<200 {
            model.zeroGrad()
            crossEntropy(model(inputs), labels).backward()
            optimizer.update()
        }
        #expect(accuracy() == 1.0)
    }

    private final class TokenClassifier: Module {
        var isTraining = true
        let embedding: Embedding
        let layers: ModuleList<TransformerEncoderLayer>
        let head: Linear
        init(generator: inout RandomGenerator) {
            embedding = Embedding(count: 10, dimension: 16, generator: &generator)
            layers = ModuleList((0..<2).map { _ in
                TransformerEncoderLayer(embedDimension: 16, headCount: 2, feedForwardDimension: 32,
                                        dropout: 0.1, generator: &generator)
            })
            head = Linear(inputSize: 16, outputSize: 3, generator: &generator)
        }
        var children: [(String, any Module)] { [("embedding", embedding), ("layers", layers), ("head", head)] }

        func callAsFunction(_ ids: [[Int]]) -> Tensor {
            var hidden = embedding(ids)
            for layer in layers.modules { hidden = layer(hidden) }
            return head(hidden.mean(axis: 1))
        }
    }

    @Test func transformerClassifierLossFalls() {
        var generator = RandomGenerator(seed: 8)
        // 48 sequences of 8 tokens: filler tokens 3…9 and one marker token 0, 1 or 2 at a
        // random position; the class is the marker.
        var sequences: [[Int]] = []
        var labels: [Int] = []
        for index in 0..<48 {
            let label = index % 3
            var tokens = (0..<8).map { _ in 3 + Int(generator.next() % 7) }
            tokens[Int(generator.next() % 8)] = label
            sequences.append(tokens)
            labels.append(label)
        }
        let model = TokenClassifier(generator: &generator)
        #expect(model.namedParameters().contains { $0.0 == "layers.1.self_attn.in_proj_weight" })
        func evaluationLoss() -> Float {
            model.eval()
            defer { model.train() }
            return withoutGradients { crossEntropy(model(sequences), labels).item }
        }
        let initial = evaluationLoss()
        var optimizer = AdamSteps(model.parameters, learningRate: 0.003)
        model.train()
        for _ in 0..<50 {
            model.zeroGrad()
            crossEntropy(model(sequences), labels).backward()
            optimizer.update()
        }
        let final = evaluationLoss()
        #expect(initial > 0.8)
        #expect(final < 0.5 * initial, "loss went from \(initial) to \(final)")
    }
}
