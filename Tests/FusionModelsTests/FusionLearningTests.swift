import Foundation
import Testing
@testable import FusionModels

/// Training on a generated task whose label needs both modalities: label = a XOR b, where
/// bit a shifts every text token (and so the [CLS] and pooled text vectors) by ±2 along a
/// fixed direction and bit b shifts every image grid position (and the pooled and logit
/// vectors) likewise, under unit Gaussian noise. 400 samples: 300 train, 100 held out.
/// A unimodal model sees one bit, which says nothing about the XOR, so it stays near
/// chance; HGLNet fuses them.
@Suite struct FusionLearningTests {
    struct Task {
        let features: [String: Tensor]
        let labels: [Int]
    }

    static func makeTask(count: Int, seed: UInt64) -> Task {
        var generator = RandomGenerator(seed: seed)
        let layers = 4, length = 4, textSize = 8, positions = 4, channels = 8, logitSize = 6, shift: Float = 2
        func unit(_ n: Int) -> Tensor {
            let v = Tensor.randn([n], generator: &generator)
            return v / v.pow(2).sum().sqrt()
        }
        let textDirection = unit(textSize), imageDirection = unit(channels), logitDirection = unit(logitSize)
        let a = (0..<count).map { _ in Int(generator.next() % 2) }
        let b = (0..<count).map { _ in Int(generator.next() % 2) }
        let textSign = Tensor(shape: [count, 1, 1, 1], scalars: a.map { Float(2 * $0 - 1) * shift })
        let imageSign = Tensor(shape: [count, 1, 1], scalars: b.map { Float(2 * $0 - 1) * shift })
        let tokens = Tensor.randn([count, layers, length, textSize], generator: &generator) + textSign * textDirection
        let classTokens = tokens.mean(axis: 2) + Tensor.randn([count, layers, textSize], generator: &generator) * 0.5
        let grid = Tensor.randn([count, positions, channels], generator: &generator) + imageSign * imageDirection
        let logits = Tensor.randn([count, logitSize], generator: &generator) + imageSign.reshaped([count, 1]) * logitDirection
        let features: [String: Tensor] = [
            FeatureName.textLayers: tokens, FeatureName.textClassLayers: classTokens,
            FeatureName.textPooled: tokens.slice(axis: 1, (layers - 1)..<layers).squeezed(1).mean(axis: 1),
            FeatureName.imageGrid: grid, FeatureName.imagePooled: grid.mean(axis: 1), FeatureName.imageLogits: logits,
        ]
        return Task(features: features, labels: zip(a, b).map { $0 ^ $1 })
    }

    /// Trains `model` with AdamW and cross-entropy, then returns held-out accuracy.
    static func trainAndEvaluate(_ model: any FusionModel, task: Task, epochs: Int, learningRate: Double) throws -> Double {
        let trainCount = 300, batchSize = 32
        let optimizer = try AdamW(parameters: model.parameters, learningRate: learningRate, weightDecay: 0.01)
        let loss = CrossEntropyLoss()
        var generator = RandomGenerator(seed: 77)
        func batch(_ indices: [Int]) throws -> ModelInputs {
            try ModelInputs(features: task.features.mapValues { $0.indexSelect(axis: 0, indices) })
        }
        for _ in 0..<epochs {
            model.train()
            let order = generator.permutation(trainCount)
            for start in stride(from: 0, to: trainCount, by: batchSize) {
                let indices = Array(order[start..<Swift.min(start + batchSize, trainCount)])
                optimizer.zeroGrad()
                let output = try model.forward(try batch(indices))
                try loss(output.logits, targets: indices.map { task.labels[$0] }).backward()
                optimizer.step()
            }
        }
        model.eval()
        let heldOut = Array(trainCount..<task.labels.count)
        let predictions = try withoutGradients { try model.forward(try batch(heldOut)).logits.argmax(axis: 1) }
        let correct = zip(predictions, heldOut).filter { $0 == task.labels[$1] }.count
        return Double(correct) / Double(heldOut.count)
    }

    @Test func hglnetLearnsWhatNeedsBothModalities() throws {
        let task = Self.makeTask(count: 400, seed: 2024)
        let configuration = Data(#"""
        {"text_hidden_size": 8, "text_layer_count": 4, "text_length": 4, "image_channels": 8, "image_grid_height": 2,
         "image_grid_width": 2, "image_global_size": 6, "model_dimension": 8, "head_count": 2, "gate_dimension": 4, "dropout": 0.1}
        """#.utf8)
        let baseline = Data(#"{"text_hidden_size": 8, "image_channels": 8, "hidden_size": 16, "dropout": 0.1}"#.utf8)
        let hglnet = try ModelRegistry.make(id: "hglnet", config: configuration, classes: 2, seed: 3)
        let textOnly = try ModelRegistry.make(id: "text-only", config: baseline, classes: 2, seed: 3)
        let imageOnly = try ModelRegistry.make(id: "image-only", config: baseline, classes: 2, seed: 3)
        let fused = try Self.trainAndEvaluate(hglnet, task: task, epochs: 20, learningRate: 3e-3)
        let text = try Self.trainAndEvaluate(textOnly, task: task, epochs: 20, learningRate: 3e-3)
        let image = try Self.trainAndEvaluate(imageOnly, task: task, epochs: 20, learningRate: 3e-3)
        #expect(fused >= 0.9, "HGLNet held-out accuracy \(fused)")
        #expect(text <= 0.7, "text-only held-out accuracy \(text)")
        #expect(image <= 0.7, "image-only held-out accuracy \(image)")
    }
}

extension FusionLearningTests {
    /// SG-MFT on the same XOR task: it reads the last text layer's tokens and the image grid.
    @Test func sgmftLearnsWhatNeedsBothModalities() throws {
        let task = Self.makeTask(count: 400, seed: 2024)
        let configuration = Data(#"""
        {"text_hidden_size": 8, "image_hidden_size": 8, "model_dimension": 8, "head_count": 2,
         "feed_forward_dimension": 16, "classifier_hidden_sizes": [16, 16, 8, 8], "dropout": 0}
        """#.utf8)
        let baseline = Data(#"{"text_hidden_size": 8, "image_channels": 8, "hidden_size": 16, "dropout": 0.1}"#.utf8)
        let sgmft = try ModelRegistry.make(id: "sgmft", config: configuration, classes: 2, seed: 3)
        let textOnly = try ModelRegistry.make(id: "text-only", config: baseline, classes: 2, seed: 3)
        let imageOnly = try ModelRegistry.make(id: "image-only", config: baseline, classes: 2, seed: 3)
        let fused = try Self.trainAndEvaluate(sgmft, task: task, epochs: 20, learningRate: 3e-3)
        let text = try Self.trainAndEvaluate(textOnly, task: task, epochs: 20, learningRate: 3e-3)
        let image = try Self.trainAndEvaluate(imageOnly, task: task, epochs: 20, learningRate: 3e-3)
        #expect(fused >= 0.9, "SG-MFT held-out accuracy \(fused)")
        #expect(fused > text + 0.2 && fused > image + 0.2, "SG-MFT \(fused), text-only \(text), image-only \(image)")
    }
}
