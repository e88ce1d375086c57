import Foundation
import Tensors

/// `training-state.json`: the trainer's progress at the end of the last finished epoch.
/// Together with `training-state.safetensors` (optimizer state under `optimizer.`, the
/// model's `TrainingStepHooks.trainingState()` under `model.`) and
/// `checkpoint-last.safetensors`, it is everything a resumed run needs to continue
/// exactly where an uninterrupted one would be.
struct TrainingState: Codable, Equatable {
    var format = 1
    /// Epochs finished.
    var epoch = 0
    /// Optimizer steps taken.
    var step = 0
    /// Best value of the selection metric so far (nil before the first validation).
    var bestMetric: Double?
    /// The epoch of `checkpoint-best.safetensors` (0 before the first).
    var bestEpoch = 0
    /// Epochs since the selection metric last improved.
    var epochsWithoutImprovement = 0
    /// Whether early stopping ended training.
    var stoppedEarly = false
    /// The trainer's generator (batch order), as four hexadecimal words.
    var generator: [String] = []
    /// Each dropout-bearing module's generator, by module key.
    var moduleGenerators: [String: [String]] = [:]
    /// The history so far.
    var history: [EpochRecord] = []

    enum CodingKeys: String, CodingKey {
        case format, epoch, step
        case bestMetric = "best_metric"
        case bestEpoch = "best_epoch"
        case epochsWithoutImprovement = "epochs_without_improvement"
        case stoppedEarly = "stopped_early"
        case generator
        case moduleGenerators = "module_generators"
        case history
    }

    static func words(_ generator: RandomGenerator) -> [String] {
        generator.stateWords.map { String($0, radix: 16) }
    }

    static func restoredGenerator(_ words: [String], path: String) throws -> RandomGenerator {
        let values = words.compactMap { UInt64($0, radix: 16) }
        guard values.count == words.count, let generator = RandomGenerator(stateWords: values) else {
            throw TrainingError.badFile(path: path, reason: "a generator state is not four non-zero hexadecimal words: \(words)")
        }
        return generator
    }
}
