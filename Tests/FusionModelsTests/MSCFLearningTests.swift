import Foundation
import Testing
@testable import FusionModels

/// MSCF on the generated XOR task of `FusionLearningTests` (label = text bit XOR image bit),
/// trained with its full loss Loss_sc + Loss_mlm (equation 13; token ids drawn at random
/// from a 20-id vocabulary after a [CLS] id), against the text-only and image-only
/// baselines trained the same way: MSCF must reach ≥ 0.9 held-out accuracy while each
/// unimodal baseline stays ≤ 0.7.
@Suite struct MSCFLearningTests {
    static func trainAndEvaluate(_ model: any FusionModel, features: [String: Tensor], labels: [Int],
                                 epochs: Int, learningRate: Double) throws -> Double {
        let trainCount = 300, batchSize = 32
        let optimizer = try AdamW(parameters: model.parameters, learningRate: learningRate, weightDecay: 0.01)
        let loss = CrossEntropyLoss()
        var generator = RandomGenerator(seed: 77)
        func batch(_ indices: [Int]) throws -> ModelInputs {
            try ModelInputs(features: features.mapValues { $0.indexSelect(axis: 0, indices) })
        }
        for _ in 0..<epochs {
            model.train()
            let order = generator.permutation(trainCount)
            for start in stride(from: 0, to: trainCount, by: batchSize) {
                let indices = Array(order[start..<Swift.min(start + batchSize, trainCount)])
                optimizer.zeroGrad()
                let output = try model.forward(try batch(indices))
                let total = output.auxiliaryLosses.values.reduce(try loss(output.logits, targets: indices.map { labels[$0] }), +)
                total.backward()
                optimizer.step()
            }
        }
        model.eval()
        let heldOut = Array(trainCount..<labels.count)
        let predictions = try withoutGradients { try model.forward(try batch(heldOut)).logits.argmax(axis: 1) }
        return Double(zip(predictions, heldOut).filter { $0 == labels[$1] }.count) / Double(heldOut.count)
    }

    @Test func mscfLearnsWhatNeedsBothModalities() throws {
        let task = FusionLearningTests.makeTask(count: 400, seed: 2024)
        var generator = RandomGenerator(seed: 5)
        let length = 4
        let ids = (0..<(400 * length)).map { $0 % length == 0 ? Float(1) : Float(4 + Int(generator.next() % 16)) }
        var features = task.features
        features[FeatureName.textTokenIds] = Tensor(shape: [400, length], scalars: ids)
        let configuration = Data(#"""
        {"text_hidden_size": 8, "text_length": 4, "image_channels": 8, "image_positions": 4, "model_dimension": 16,
         "layer_count": 1, "head_count": 2, "feed_forward_dimension": 32, "dropout": 0.1, "vocabulary_size": 20,
         "mask_token_id": 3, "special_token_ids": [0, 1, 2]}
        """#.utf8)
        let baseline = Data(#"{"text_hidden_size": 8, "image_channels": 8, "hidden_size": 16, "dropout": 0.1}"#.utf8)
        let mscf = try ModelRegistry.make(id: "mscf", config: configuration, classes: 2, seed: 3)
        let textOnly = try ModelRegistry.make(id: "text-only", config: baseline, classes: 2, seed: 3)
        let imageOnly = try ModelRegistry.make(id: "image-only", config: baseline, classes: 2, seed: 3)
        let fused = try Self.trainAndEvaluate(mscf, features: features, labels: task.labels, epochs: 20, learningRate: 3e-3)
        let text = try Self.trainAndEvaluate(textOnly, features: features, labels: task.labels, epochs: 20, learningRate: 3e-3)
        let image = try Self.trainAndEvaluate(imageOnly, features: features, labels: task.labels, epochs: 20, learningRate: 3e-3)
        #expect(fused >= 0.9, "MSCF held-out accuracy \(fused)")
        #expect(text <= 0.7, "text-only held-out accuracy \(text)")
        #expect(image <= 0.7, "image-only held-out accuracy \(image)")
    }
}
