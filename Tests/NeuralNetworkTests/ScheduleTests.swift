import Foundation
import Testing
@testable import NeuralNetwork

/// Learning-rate sequences against torch.optim.lr_scheduler (StepLR, CosineAnnealingLR,
/// ConstantLR) and transformers' warm-up schedules (Tests/Fixtures/generate/optim.py),
/// for two parameter groups with different initial learning rates.
@Suite struct ScheduleTests {
    static func schedule(_ record: [String: Any]) throws -> LearningRateSchedule {
        switch record["kind"] as? String {
        case "constant": return .constant
        case "step":
            return .step(stepSize: record["stepSize"] as? Int ?? 0, gamma: record["gamma"] as? Double ?? 0)
        case "cosineAnnealing":
            return .cosineAnnealing(maximumSteps: record["maximumSteps"] as? Int ?? 0,
                                    minimumLearningRate: record["minimumLearningRate"] as? Double ?? 0)
        case "linearWarmupLinearDecay":
            return .linearWarmupLinearDecay(warmupSteps: record["warmupSteps"] as? Int ?? 0,
                                            totalSteps: record["totalSteps"] as? Int ?? 0)
        case "linearWarmupCosineDecay":
            return .linearWarmupCosineDecay(warmupSteps: record["warmupSteps"] as? Int ?? 0,
                                            totalSteps: record["totalSteps"] as? Int ?? 0,
                                            cycles: record["cycles"] as? Double ?? 0.5)
        default:
            throw TrainingFixtureFile.Failure.malformed("unknown schedule kind \(record["kind"] ?? "?")")
        }
    }

    /// Tolerance 1e-9 relative + 1e-12 absolute: both sides compute in Float64; PyTorch's
    /// chained (recursive) forms differ from the closed forms only by rounding.
    @Test func learningRatesMatchPyTorchSchedulers() throws {
        let record = try TrainingFixtureFile.json(area: "optim", name: "schedules")
        let initial = record["baseLearningRates"] as? [Double] ?? []
        let schedules = record["schedules"] as? [[String: Any]] ?? []
        #expect(schedules.count == 6 && initial.count == 2)
        for entry in schedules {
            let schedule = try Self.schedule(entry)
            let expected = entry["learningRates"] as? [[Double]] ?? []
            #expect(expected.count >= 4)
            var parameters = [Tensor([0]), Tensor([0])]
            for index in parameters.indices { parameters[index].requiresGrad = true }
            let optimizer = try SGD(zip(parameters, initial).map {
                ParameterGroup(parameters: [$0.0], learningRate: $0.1, name: "group")
            })
            for (step, rates) in expected.enumerated() {
                schedule.apply(to: optimizer, step: step)
                for (group, rate) in zip(optimizer.parameterGroups, rates) {
                    #expect(Swift.abs(group.learningRate - rate) <= 1e-9 * Swift.abs(rate) + 1e-12,
                            "\(schedule) step \(step): \(group.learningRate) vs \(rate)")
                }
            }
        }
    }

    @Test func warmupRisesLinearlyFromZero() {
        let schedule = LearningRateSchedule.linearWarmupLinearDecay(warmupSteps: 10, totalSteps: 20)
        #expect(schedule.learningRate(atStep: 0, initial: 0.5) == 0)
        #expect(Swift.abs(schedule.learningRate(atStep: 5, initial: 0.5) - 0.25) < 1e-15)
        #expect(schedule.learningRate(atStep: 10, initial: 0.5) == 0.5)
        #expect(schedule.learningRate(atStep: 25, initial: 0.5) == 0)
    }
}
