import Foundation
import FusionModels
import Testing
@testable import Training

/// A linear classifier over pooled text and image features with the training-time
/// mechanisms `TrainingStepHooks` exists for: it halves its gradients before the step,
/// keeps an exponential moving average of its weight after the step, and adds an
/// auxiliary loss.
final class HookedLinearModel: FusionModel, TrainingStepHooks {
    var isTraining = true
    let classifier: Linear
    var average: Tensor
    var beforeCalls = 0, afterCalls = 0
    var gradientsPresentBeforeStep = true
    static let ablations: [String] = []
    let id = "concat"

    init(seed: UInt64) {
        var generator = RandomGenerator(seed: seed)
        classifier = Linear(inputSize: 16, outputSize: 2, generator: &generator)
        average = classifier.weight.detached().copy()
    }

    var children: [(String, any Module)] { [("classifier", classifier)] }
    var requirements: FeatureRequirements { FeatureRequirements(textPooled: true, imagePooled: true) }
    func configurationJSON() throws -> Data { Data("{}".utf8) }

    func forward(_ batch: ModelInputs) throws -> ModelOutput {
        let input = Tensor.concat([try batch.feature("text.pooled", shape: [nil, 8]),
                                   try batch.feature("image.pooled", shape: [nil, 8])], axis: 1)
        let logits = classifier(input)
        let penalty = classifier.weight.pow(2).mean() * 0.01
        return ModelOutput(logits: logits, auxiliaryLosses: ["penalty": penalty], intermediates: ["fused": input])
    }

    func beforeOptimizerStep(output: ModelOutput, labels: [Int]) throws {
        beforeCalls += 1
        if classifier.weight.grad == nil { gradientsPresentBeforeStep = false }
        for parameter in parameters { parameter.grad = parameter.grad.map { $0 * 0.5 } }
    }

    func afterOptimizerStep(output: ModelOutput, labels: [Int]) throws {
        afterCalls += 1
        average = withoutGradients { average * 0.9 + classifier.weight.detached() * 0.1 }
    }

    func trainingState() -> [String: Tensor] { ["average": average] }

    func loadTrainingState(_ state: [String: Tensor]) throws {
        guard let saved = state["average"], saved.shape == average.shape else {
            throw FusionModelError.invalidConfiguration(model: id, reason: "training state lacks 'average' \(average.shape)")
        }
        average = saved
    }
}

@Suite struct TrainingHooksTests {
    static func configuration() -> TrainingConfiguration {
        var configuration = XORTable.concatConfiguration(epochs: 4)
        configuration.gradientClipNorm = 0
        return configuration
    }

    @Test func hooksRunEveryStepAndTheirStateResumes() throws {
        let table = XORTable.make(count: 100)  // 60 training rows: 4 batches of 16 per epoch.
        let whole = XORTable.temporaryDirectory("hooks-whole"), split = XORTable.temporaryDirectory("hooks-split")
        defer {
            try? FileManager.default.removeItem(at: whole)
            try? FileManager.default.removeItem(at: split)
        }
        let model = HookedLinearModel(seed: 3)
        let outcome = try Trainer(configuration: Self.configuration(), table: table, model: model).train(into: whole)
        #expect(model.beforeCalls == 16 && model.afterCalls == 16 && model.gradientsPresentBeforeStep)
        #expect(outcome.history.last?.step == 16)
        // The saved hook state is the moving average after the last step.
        let state = try SafetensorsFile(contentsOf: RunDirectory(url: whole).trainingStateURL).tensors()
        let saved = try #require(state["model.average"])
        let last = try SafetensorsFile(contentsOf: RunDirectory(url: whole).checkpointURL(.last)).tensors()
        #expect(saved.shape == [2, 16] && saved.scalars != last["classifier.weight"]?.scalars)

        var stop = TrainingOptions()
        stop.stopAfterEpoch = 1
        let first = HookedLinearModel(seed: 3)
        _ = try Trainer(configuration: Self.configuration(), table: table, model: first).train(into: split, options: stop)
        #expect(first.afterCalls == 4)
        var resume = TrainingOptions()
        resume.resume = true
        let second = HookedLinearModel(seed: 3)
        _ = try Trainer(configuration: Self.configuration(), table: table, model: second).train(into: split, options: resume)
        #expect(second.afterCalls == 12)
        #expect(second.average.scalars == model.average.scalars)
        let resumedLast = try SafetensorsFile(contentsOf: RunDirectory(url: split).checkpointURL(.last)).tensors()
        #expect(resumedLast["classifier.weight"]?.scalars == last["classifier.weight"]?.scalars)
    }

    @Test func auxiliaryLossesAddToTheTrainingLoss() throws {
        let table = XORTable.make(count: 100)
        let directory = XORTable.temporaryDirectory("hooks-loss")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = Self.configuration()
        configuration.epochs = 1
        configuration.learningRate = 1e-12  // The weights stay put, so every batch's loss can be recomputed.
        let model = HookedLinearModel(seed: 8)
        let initial = model.stateDict().mapValues { $0.copy() }
        let outcome = try Trainer(configuration: configuration, table: table, model: model).train(into: directory)
        let reference = HookedLinearModel(seed: 8)
        try reference.loadStateDict(initial)
        var generator = RandomGenerator(seed: configuration.seed)
        let rows = table.labelledRows(in: .train)
        let order = generator.permutation(rows.count).map { rows[$0] }
        var total = 0.0, batches = 0
        for start in stride(from: 0, to: order.count, by: 16) {
            let batch = Array(order[start..<min(start + 16, order.count)])
            let output = try reference.forward(try table.batch(batch, features: ["text.pooled", "image.pooled"]))
            let crossEntropy = try CrossEntropyLoss()(output.logits, targets: batch.compactMap { table.labels[$0] })
            total += Double((crossEntropy + output.auxiliaryLosses["penalty", default: Tensor(scalar: 0)]).item)
            batches += 1
        }
        let trainLoss = try #require(outcome.history.first?.trainLoss)
        #expect(abs(trainLoss - total / Double(batches)) < 1e-5, "train loss \(trainLoss) vs \(total / Double(batches))")
    }
}
