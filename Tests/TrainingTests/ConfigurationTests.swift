import Foundation
import FusionModels
import Testing
@testable import Training

/// `TrainingConfiguration`: YAML keys, defaults from the model's hyperparameters and
/// presets, validation, and the schedules it builds.
@Suite struct ConfigurationTests {
    @Test func readsYAMLAndFillsTheRestFromTheModel() throws {
        let yaml = """
            model: sgmft
            preset: weibo
            optimizer: adam
            beta2: 0.99
            schedule: step
            step_size: 3
            gamma: 0.5
            patience: 4
            early_stopping_metric: val_accuracy
            model_configuration:
              dropout: 0.2
              classifier_hidden_sizes: [64, 32, 16, 8]
            """
        let configuration = try TrainingConfiguration.fromYAML(yaml, source: "run.yaml")
        #expect(configuration.model == "sgmft" && configuration.preset == "weibo" && configuration.optimizer == .adam)
        #expect(configuration.beta2 == 0.99 && configuration.schedule == .step && configuration.stepSize == 3)
        #expect(configuration.earlyStoppingMetric == .valAccuracy && configuration.patience == 4)
        #expect(configuration.learningRate == nil && configuration.epochs == nil)
        #expect(configuration.modelConfiguration["classifier_hidden_sizes"]
            == .array([.integer(64), .integer(32), .integer(16), .integer(8)]))
        #expect(configuration.modelConfiguration["dropout"] == .number(0.2))
        // SG-MFT's paper settings: Adam at 1e-5, no weight decay, batch 20, 30 epochs.
        let model = try configuration.makeModel(classes: 7)
        let resolved = try configuration.resolved(with: TrainingConfiguration.hyperparameters(of: model))
        #expect(resolved.learningRate == 1e-5 && resolved.weightDecay == 0 && resolved.batchSize == 20 && resolved.epochs == 30)
        #expect(resolved.evaluationBatchSize == 20)
        let modelJSON = try JSONSerialization.jsonObject(with: model.configurationJSON()) as? [String: Any]
        #expect(modelJSON?["dropout"] as? Double == 0.2)
        #expect(modelJSON?["classifier_hidden_sizes"] as? [Int] == [64, 32, 16, 8])
        // The resolved configuration round-trips through config.json with every field.
        let json = try resolved.jsonData()
        #expect(try TrainingConfiguration.fromJSON(json) == resolved)
        let keys = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any]).keys.sorted()
        #expect(keys == TrainingConfiguration.keyNames.sorted())
    }

    @Test func refusesUnknownKeysAndBadValues() throws {
        #expect(throws: TrainingError.invalidConfiguration(
            "run.yaml: unknown key 'learning_rat'; known keys: \(TrainingConfiguration.keyNames.joined(separator: ", "))")) {
            try TrainingConfiguration.fromYAML("model: concat\nlearning_rat: 0.1\n", source: "run.yaml")
        }
        #expect(throws: TrainingError.self) { try TrainingConfiguration.fromYAML("model: concat\noptimizer: lion\n") }
        var configuration = TrainingConfiguration(model: "concat")
        configuration.beta2 = 1
        #expect(throws: TrainingError.invalidConfiguration("beta2 1.0 must be in [0, 1)")) {
            try configuration.resolved(with: nil)
        }
        configuration = TrainingConfiguration(model: "concat")
        configuration.preset = "nope"
        #expect(throws: (any Error).self) { try configuration.makeModel(classes: 2) }
    }

    @Test func schedulesSpanAllSteps() throws {
        var configuration = TrainingConfiguration(model: "concat")
        configuration.epochs = 4
        configuration.schedule = .linear
        configuration.warmupSteps = 2
        #expect(configuration.learningRateSchedule(stepsPerEpoch: 5) == .linearWarmupLinearDecay(warmupSteps: 2, totalSteps: 20))
        configuration.schedule = .step
        configuration.stepSize = 2
        #expect(configuration.learningRateSchedule(stepsPerEpoch: 5) == .step(stepSize: 10, gamma: 0.1))
        configuration.schedule = .cosineAnnealing
        #expect(configuration.learningRateSchedule(stepsPerEpoch: 5) == .cosineAnnealing(maximumSteps: 20, minimumLearningRate: 0))
    }
}
