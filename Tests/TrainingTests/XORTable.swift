import Datasets
import Foundation
import FusionModels
@testable import Training

/// A generated two-modality task whose label needs both modalities: label = a XOR b, where
/// bit a shifts the text features by ±2 along a fixed direction and bit b shifts the
/// image features likewise, under unit Gaussian noise (the task of
/// Tests/FusionModelsTests/FusionLearningTests.swift as a `FeatureTable`). Rows are split
/// 60% train, 20% val, 20% test in order.
enum XORTable {
    static let labelNames = ["same", "different"]

    static func make(count: Int = 200, seed: UInt64 = 2024) -> FeatureTable {
        var generator = RandomGenerator(seed: seed)
        let layers = 2, length = 4, textSize = 8, positions = 4, channels = 8, shift: Float = 2
        func unit(_ n: Int) -> Tensor {
            let v = Tensor.randn([n], generator: &generator)
            return v / v.pow(2).sum().sqrt()
        }
        let textDirection = unit(textSize), imageDirection = unit(channels)
        let a = (0..<count).map { _ in Int(generator.next() % 2) }
        let b = (0..<count).map { _ in Int(generator.next() % 2) }
        let textSign = Tensor(shape: [count, 1, 1, 1], scalars: a.map { Float(2 * $0 - 1) * shift })
        let imageSign = Tensor(shape: [count, 1, 1], scalars: b.map { Float(2 * $0 - 1) * shift })
        let tokens = Tensor.randn([count, layers, length, textSize], generator: &generator) + textSign * textDirection
        let grid = Tensor.randn([count, positions, channels], generator: &generator) + imageSign * imageDirection
        let features: [String: Tensor] = [
            "text.layers": tokens, "text.cls_layers": tokens.mean(axis: 2),
            "text.pooled": tokens.slice(axis: 1, (layers - 1)..<layers).squeezed(1).mean(axis: 1),
            "image.grid": grid, "image.pooled": grid.mean(axis: 1),
        ]
        let splits: [SplitName?] = (0..<count).map { row in
            row < count * 6 / 10 ? .train : (row < count * 8 / 10 ? .val : .test)
        }
        return FeatureTable(
            ids: (0..<count).map { "post-\($0)" }, labels: zip(a, b).map { $0 ^ $1 }, labelNames: labelNames,
            splits: splits, textPresent: Array(repeating: true, count: count),
            imagePresent: Array(repeating: true, count: count), features: features)
    }

    /// A configuration for the concat baseline sized to the table.
    static func concatConfiguration(epochs: Int = 6, seed: UInt64 = 5) -> TrainingConfiguration {
        var configuration = TrainingConfiguration(model: "concat")
        configuration.modelConfiguration = [
            "text_hidden_size": .integer(8), "image_channels": .integer(8), "hidden_size": .integer(32),
            "dropout": .number(0.1),
        ]
        configuration.learningRate = 3e-3
        configuration.weightDecay = 0.01
        configuration.batchSize = 16
        configuration.epochs = epochs
        configuration.seed = seed
        configuration.schedule = .cosine
        configuration.warmupSteps = 5
        configuration.gradientClipNorm = 1
        return configuration
    }

    static func temporaryDirectory(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("mmfusion-training-tests-\(ProcessInfo.processInfo.processIdentifier)-\(name)-\(UUID().uuidString)")
        try? FileManager.default.removeItem(at: url)
        return url
    }
}
