import Foundation
import FusionModels
import Yams

/// Everything that decides a training run: the model, the optimiser, the schedule, the
/// epochs, early stopping and the seed.
///
/// Sources, later ones winning: the defaults here, the model's `TrainingHyperparameters`
/// (from its configuration or preset: learning rate, weight decay, batch size, epochs), a
/// YAML file (`--config`, keys as in `config.json`) and command-line flags. `resolved(...)`
/// fills every optional field; the run directory's `config.json` holds that result.
///
/// YAML / JSON keys (snake_case): `model`, `preset`, `ablations`, `model_configuration`
/// (an object of model configuration keys written over the preset), `optimizer`
/// (`adamw` | `adam` | `sgd`), `learning_rate`, `weight_decay`, `beta1`, `beta2`,
/// `epsilon`, `momentum`, `schedule` (`constant` | `linear` | `cosine` |
/// `cosine-annealing` | `step`), `warmup_steps`, `step_size` (epochs), `gamma`,
/// `minimum_learning_rate`, `epochs`, `batch_size`, `evaluation_batch_size`,
/// `gradient_clip_norm` (0: off), `early_stopping_metric` (`val_macro_f1` |
/// `val_accuracy`), `patience` (0: off), `seed`, `label_smoothing`.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    /// The optimiser.
    public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
        case adamw, adam, sgd
    }

    /// How the learning rate changes over the optimizer steps (see `LearningRateSchedule`).
    public enum ScheduleKind: String, Codable, Sendable, CaseIterable {
        /// η₀ throughout.
        case constant
        /// Linear warm-up over `warmup_steps`, then linear decay to 0 at the last step.
        case linear
        /// Linear warm-up over `warmup_steps`, then half a cosine down to 0 at the last step.
        case cosine
        /// Cosine annealing from η₀ to `minimum_learning_rate` over all steps, no warm-up.
        case cosineAnnealing = "cosine-annealing"
        /// η₀ γ^⌊epoch / step_size⌋.
        case step
    }

    /// The validation metric that selects the best epoch and drives early stopping.
    public enum SelectionMetric: String, Codable, Sendable, CaseIterable {
        case valMacroF1 = "val_macro_f1"
        case valAccuracy = "val_accuracy"
    }

    /// The registry id of the model.
    public var model: String
    /// A preset of the model (its paper's configuration for one dataset), nil for defaults.
    public var preset: String?
    /// Ablation switches of the model.
    public var ablations: [String] = []
    /// Model configuration keys (snake_case) written over the preset or the defaults.
    public var modelConfiguration: [String: JSONValue] = [:]
    /// The optimiser.
    public var optimizer: OptimizerKind = .adamw
    /// η₀; nil: the model's `TrainingHyperparameters`.
    public var learningRate: Double?
    /// Weight decay (decoupled for AdamW, L2 otherwise); nil: the model's.
    public var weightDecay: Double?
    /// β₁ of Adam / AdamW.
    public var beta1: Double = 0.9
    /// β₂ of Adam / AdamW (0.99 in SG-MFT).
    public var beta2: Double = 0.999
    /// ε of Adam / AdamW.
    public var epsilon: Double = 1e-8
    /// SGD momentum.
    public var momentum: Double = 0
    /// The learning-rate schedule.
    public var schedule: ScheduleKind = .constant
    /// Warm-up steps of the `linear` and `cosine` schedules.
    public var warmupSteps: Int = 0
    /// Epochs per decay of the `step` schedule.
    public var stepSize: Int = 10
    /// Decay factor of the `step` schedule.
    public var gamma: Double = 0.1
    /// Floor of the `cosine-annealing` schedule.
    public var minimumLearningRate: Double = 0
    /// Epochs; nil: the model's.
    public var epochs: Int?
    /// Training minibatch size; nil: the model's.
    public var batchSize: Int?
    /// Batch size of validation and test passes (0: the training batch size).
    public var evaluationBatchSize: Int = 0
    /// Maximum total gradient norm (L2 over all parameters); 0 turns clipping off.
    public var gradientClipNorm: Double = 0
    /// The validation metric that selects the best checkpoint and drives early stopping.
    public var earlyStoppingMetric: SelectionMetric = .valMacroF1
    /// Epochs without improvement of the selection metric before training stops (0: never stop early).
    public var patience: Int = 0
    /// Seed of the model's initialisation, dropout and the batch order.
    public var seed: UInt64 = 1
    /// Label smoothing ε of the cross-entropy.
    public var labelSmoothing: Double = 0

    enum CodingKeys: String, CodingKey {
        case model, preset, ablations
        case modelConfiguration = "model_configuration"
        case optimizer
        case learningRate = "learning_rate"
        case weightDecay = "weight_decay"
        case beta1, beta2, epsilon, momentum, schedule
        case warmupSteps = "warmup_steps"
        case stepSize = "step_size"
        case gamma
        case minimumLearningRate = "minimum_learning_rate"
        case epochs
        case batchSize = "batch_size"
        case evaluationBatchSize = "evaluation_batch_size"
        case gradientClipNorm = "gradient_clip_norm"
        case earlyStoppingMetric = "early_stopping_metric"
        case patience, seed
        case labelSmoothing = "label_smoothing"
    }

    /// A configuration for `model` with every other field at its default.
    public init(model: String) {
        self.model = model
    }

    /// Decodes a configuration; absent keys keep their defaults, unknown keys are refused.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
            .filter { CodingKeys(rawValue: $0) == nil }.sorted()
        if let first = unknown.first {
            throw TrainingError.invalidConfiguration(
                "unknown key '\(first)'; known keys: \(Self.keyNames.joined(separator: ", "))")
        }
        var defaults = TrainingConfiguration(model: "")
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try container.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        defaults.model = try value(.model, "")
        defaults.preset = try container.decodeIfPresent(String.self, forKey: .preset)
        defaults.ablations = try value(.ablations, defaults.ablations)
        defaults.modelConfiguration = try value(.modelConfiguration, defaults.modelConfiguration)
        defaults.optimizer = try value(.optimizer, defaults.optimizer)
        defaults.learningRate = try container.decodeIfPresent(Double.self, forKey: .learningRate)
        defaults.weightDecay = try container.decodeIfPresent(Double.self, forKey: .weightDecay)
        defaults.beta1 = try value(.beta1, defaults.beta1)
        defaults.beta2 = try value(.beta2, defaults.beta2)
        defaults.epsilon = try value(.epsilon, defaults.epsilon)
        defaults.momentum = try value(.momentum, defaults.momentum)
        defaults.schedule = try value(.schedule, defaults.schedule)
        defaults.warmupSteps = try value(.warmupSteps, defaults.warmupSteps)
        defaults.stepSize = try value(.stepSize, defaults.stepSize)
        defaults.gamma = try value(.gamma, defaults.gamma)
        defaults.minimumLearningRate = try value(.minimumLearningRate, defaults.minimumLearningRate)
        defaults.epochs = try container.decodeIfPresent(Int.self, forKey: .epochs)
        defaults.batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize)
        defaults.evaluationBatchSize = try value(.evaluationBatchSize, defaults.evaluationBatchSize)
        defaults.gradientClipNorm = try value(.gradientClipNorm, defaults.gradientClipNorm)
        defaults.earlyStoppingMetric = try value(.earlyStoppingMetric, defaults.earlyStoppingMetric)
        defaults.patience = try value(.patience, defaults.patience)
        defaults.seed = try value(.seed, defaults.seed)
        defaults.labelSmoothing = try value(.labelSmoothing, defaults.labelSmoothing)
        self = defaults
    }

    /// Every key a configuration file may hold.
    public static var keyNames: [String] {
        [CodingKeys.model, .preset, .ablations, .modelConfiguration, .optimizer, .learningRate, .weightDecay,
         .beta1, .beta2, .epsilon, .momentum, .schedule, .warmupSteps, .stepSize, .gamma, .minimumLearningRate,
         .epochs, .batchSize, .evaluationBatchSize, .gradientClipNorm, .earlyStoppingMetric, .patience, .seed,
         .labelSmoothing].map(\.rawValue)
    }

    /// A configuration read from YAML text (`source` names the file in errors).
    /// - Throws: `TrainingError.invalidConfiguration` naming the file and the bad key or value.
    public static func fromYAML(_ text: String, source: String = "configuration") throws -> TrainingConfiguration {
        do {
            return try YAMLDecoder().decode(TrainingConfiguration.self, from: text)
        } catch let error as TrainingError {
            throw Self.located(error, source: source)
        } catch let DecodingError.dataCorrupted(context) where context.underlyingError is TrainingError {
            throw Self.located(context.underlyingError as? TrainingError ?? .invalidConfiguration(""), source: source)
        } catch {
            throw TrainingError.invalidConfiguration("\(source): \(Self.describe(error))")
        }
    }

    /// `error` with `source` named in front of its message.
    static func located(_ error: TrainingError, source: String) -> TrainingError {
        guard case let .invalidConfiguration(message) = error else { return error }
        return .invalidConfiguration("\(source): \(message)")
    }

    /// A configuration read from JSON (the run directory's `config.json`).
    public static func fromJSON(_ data: Data, source: String = "config.json") throws -> TrainingConfiguration {
        do {
            return try JSONDecoder().decode(TrainingConfiguration.self, from: data)
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError.invalidConfiguration("\(source): \(Self.describe(error))")
        }
    }

    /// Pretty, key-sorted JSON of the configuration.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// The model configuration JSON this configuration asks for: the preset's keys (if
    /// any), then `model_configuration`, then `ablations`.
    /// - Throws: `FusionModelError` for an unknown model or preset.
    public func modelConfigurationJSON() throws -> Data {
        let descriptor = try ModelRegistry.descriptor(id: model)
        var object: [String: Any] = [:]
        if let preset {
            guard let found = descriptor.presets.first(where: { $0.name == preset }) else {
                throw FusionModelError.unknownPreset(model: model, name: preset, known: descriptor.presets.map(\.name))
            }
            object = (try? JSONSerialization.jsonObject(with: Data(found.configuration.utf8))) as? [String: Any] ?? [:]
        }
        for (key, value) in modelConfiguration { object[key] = value.foundationObject }
        if !ablations.isEmpty { object["ablations"] = ablations }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// Builds the model for `classes` classes from the seed.
    public func makeModel(classes: Int) throws -> any FusionModel {
        try ModelRegistry.make(id: model, config: modelConfigurationJSON(), classes: classes, seed: seed)
    }

    /// This configuration with learning rate, weight decay, batch size and epochs filled
    /// from `hyperparameters` where unset, checked for range.
    /// - Throws: `TrainingError.invalidConfiguration` naming the bad field.
    public func resolved(with hyperparameters: TrainingHyperparameters?) throws -> TrainingConfiguration {
        var result = self
        result.learningRate = learningRate ?? hyperparameters?.learningRate ?? 1e-3
        result.weightDecay = weightDecay ?? hyperparameters?.weightDecay ?? 0
        result.batchSize = batchSize ?? hyperparameters?.batchSize ?? 32
        result.epochs = epochs ?? hyperparameters?.epochs ?? 10
        if result.evaluationBatchSize <= 0 { result.evaluationBatchSize = result.batchSize ?? 32 }
        try result.validate()
        return result
    }

    /// The model's own training hyperparameters (the `training` key of its configuration).
    public static func hyperparameters(of model: any FusionModel) -> TrainingHyperparameters? {
        guard let data = try? model.configurationJSON(),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let training = object["training"],
              let trainingData = try? JSONSerialization.data(withJSONObject: training) else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try? decoder.decode(TrainingHyperparameters.self, from: trainingData)
    }

    func validate() throws {
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw TrainingError.invalidConfiguration(message) }
        }
        try check(!model.isEmpty, "no model; give --model or `model:` (known: \(ModelRegistry.ids.joined(separator: ", ")))")
        try check((learningRate ?? 0) > 0 && (learningRate ?? 0).isFinite, "learning_rate \(learningRate ?? 0) must be > 0")
        try check((weightDecay ?? 0) >= 0, "weight_decay \(weightDecay ?? 0) must be >= 0")
        try check((batchSize ?? 0) >= 1, "batch_size \(batchSize ?? 0) must be >= 1")
        try check((epochs ?? 0) >= 1, "epochs \(epochs ?? 0) must be >= 1")
        try check(beta1 >= 0 && beta1 < 1, "beta1 \(beta1) must be in [0, 1)")
        try check(beta2 >= 0 && beta2 < 1, "beta2 \(beta2) must be in [0, 1)")
        try check(momentum >= 0, "momentum \(momentum) must be >= 0")
        try check(warmupSteps >= 0, "warmup_steps \(warmupSteps) must be >= 0")
        try check(stepSize >= 1, "step_size \(stepSize) must be >= 1")
        try check(gradientClipNorm >= 0, "gradient_clip_norm \(gradientClipNorm) must be >= 0 (0 turns clipping off)")
        try check(patience >= 0, "patience \(patience) must be >= 0 (0 turns early stopping off)")
        try check(labelSmoothing >= 0 && labelSmoothing <= 1, "label_smoothing \(labelSmoothing) must be in [0, 1]")
    }

    /// The `LearningRateSchedule` over `stepsPerEpoch × epochs` optimizer steps.
    func learningRateSchedule(stepsPerEpoch: Int) -> LearningRateSchedule {
        let total = stepsPerEpoch * (epochs ?? 1)
        switch schedule {
        case .constant: return .constant
        case .linear: return .linearWarmupLinearDecay(warmupSteps: warmupSteps, totalSteps: total)
        case .cosine: return .linearWarmupCosineDecay(warmupSteps: warmupSteps, totalSteps: total)
        case .cosineAnnealing: return .cosineAnnealing(maximumSteps: total, minimumLearningRate: minimumLearningRate)
        case .step: return .step(stepSize: stepSize * stepsPerEpoch, gamma: gamma)
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
             let DecodingError.dataCorrupted(context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "\(path.isEmpty ? "" : "key '\(path)': ")\(context.debugDescription)"
        case let DecodingError.keyNotFound(key, _):
            return "missing key '\(key.stringValue)'"
        default:
            return "\(error)"
        }
    }
}

/// A coding key for any string, to list the keys a container holds.
struct AnyKey: CodingKey {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}
