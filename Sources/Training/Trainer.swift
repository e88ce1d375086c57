import Datasets
import Foundation
import FusionModels

/// Options of one `Trainer.train` call that are not part of the configuration.
public struct TrainingOptions {
    /// Continue the run in the directory from its last finished epoch.
    public var resume = false
    /// Return after this epoch as if the process had been killed there (state saved, no
    /// test evaluation); nil to train to the end. Used to test resuming.
    public var stopAfterEpoch: Int?
    /// The feature store the table came from, recorded in `run.json`.
    public var featureStore = ""
    /// The encoders of the feature store (its manifest's `encoders`), copied into `run.json`.
    public var encoders: JSONValue = .null
    /// Called after every optimizer step and after every validation.
    public var progress: ((TrainingProgress) -> Void)?
    /// Data parallelism over several processes (nil: this process trains alone). Only
    /// process 0 writes the run directory.
    public var dataParallelism: DataParallelism?

    /// Defaults: a fresh run to the end, no progress reports.
    public init() {}
}

/// What `Trainer.train` did.
public struct TrainingOutcome {
    /// The run directory.
    public var directory: RunDirectory
    /// The epoch records.
    public var history: [EpochRecord]
    /// The sidecar, nil when training stopped before the end (`stopAfterEpoch`).
    public var sidecar: RunSidecar?
    /// The best epoch by the selection metric (the last epoch without a validation split).
    public var bestEpoch: Int
}

/// Trains a fusion model on the train split of a `FeatureTable`, selects the best epoch on
/// the validation split, evaluates it once on the test split and writes a `RunDirectory`.
///
/// Each step: shuffled minibatch (order from a generator seeded with the configuration's
/// seed), `model.forward`, loss = cross-entropy + Σ auxiliary losses (already weighted),
/// `backward()`, `TrainingStepHooks.beforeOptimizerStep`, gradient clipping, the
/// learning-rate schedule's rate, `optimizer.step()`, `afterOptimizerStep`. After each
/// epoch: validation, best/last checkpoints and the full training state, written
/// atomically, so that `resume` continues bit-identically to a run that never stopped.
public final class Trainer {
    /// The resolved configuration.
    public let configuration: TrainingConfiguration
    /// The model being trained.
    public let model: any FusionModel
    let table: FeatureTable
    let optimizer: any Optimizer
    let trainRows: [Int]
    let validationRows: [Int]
    let testRows: [Int]

    /// A trainer for `configuration` (unset fields take the model's hyperparameters) over
    /// `table`, whose label names give the class count.
    /// - Throws: `TrainingError` for a bad configuration or a table without labelled
    ///   training rows; `FusionModelError` for an unknown model or a missing feature.
    public convenience init(configuration: TrainingConfiguration, table: FeatureTable) throws {
        guard table.labelNames.count >= 2 else {
            throw TrainingError.invalidInput("the features have \(table.labelNames.count) label(s) \(table.labelNames); training needs at least two classes")
        }
        try self.init(configuration: configuration, table: table,
                      model: try configuration.makeModel(classes: table.labelNames.count))
    }

    /// A trainer of an already built `model` (which must be what `configuration` builds
    /// for `run.json` to rebuild it).
    init(configuration: TrainingConfiguration, table: FeatureTable, model: any FusionModel) throws {
        let resolved = try configuration.resolved(with: TrainingConfiguration.hyperparameters(of: model))
        for name in model.requirements.featureNames where table.features[name] == nil {
            throw FusionModelError.missingFeature(name: name, available: table.features.keys.sorted())
        }
        trainRows = table.labelledRows(in: .train)
        guard !trainRows.isEmpty else {
            throw TrainingError.invalidInput("the features have no labelled rows in the train split; assign splits when extracting")
        }
        validationRows = table.labelledRows(in: .val)
        testRows = table.labelledRows(in: .test)
        self.configuration = resolved
        self.model = model
        self.table = table
        optimizer = try Self.makeOptimizer(resolved, parameters: model.parameters)
    }

    static func makeOptimizer(_ configuration: TrainingConfiguration, parameters: [Tensor]) throws -> any Optimizer {
        let learningRate = configuration.learningRate ?? 1e-3, weightDecay = configuration.weightDecay ?? 0
        switch configuration.optimizer {
        case .adamw:
            return try AdamW(parameters: parameters, learningRate: learningRate, beta1: configuration.beta1,
                             beta2: configuration.beta2, epsilon: configuration.epsilon, weightDecay: weightDecay)
        case .adam:
            return try Adam(parameters: parameters, learningRate: learningRate, beta1: configuration.beta1,
                            beta2: configuration.beta2, epsilon: configuration.epsilon, weightDecay: weightDecay)
        case .sgd:
            return try SGD([ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
                           momentum: configuration.momentum)
        }
    }

    var epochs: Int { configuration.epochs ?? 1 }
    var batchSize: Int { configuration.batchSize ?? 32 }
    var batchesPerEpoch: Int { (trainRows.count + batchSize - 1) / batchSize }

    /// Trains into `directory` (created if needed) and returns what happened.
    /// - Throws: `TrainingError.invalidInput` when the directory already holds a run and
    ///   `resume` is off, or when resuming a run whose `config.json` differs; file and
    ///   model errors naming the file.
    public func train(into directory: URL, options: TrainingOptions = TrainingOptions()) throws -> TrainingOutcome {
        let run = RunDirectory(url: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var state = TrainingState()
        var generator = RandomGenerator(seed: configuration.seed)
        let hasState = FileManager.default.fileExists(atPath: run.trainingStateJSONURL.path)
        if options.resume && hasState {
            let saved = try run.configuration()
            guard saved == configuration else {
                throw TrainingError.invalidInput(
                    "\(run.configurationURL.path) differs from this run's configuration; resume with the same configuration (or train into another --out)")
            }
            state = try restore(from: run)
            generator = try TrainingState.restoredGenerator(state.generator, path: run.trainingStateJSONURL.path)
        } else {
            if hasState || run.isComplete {
                throw TrainingError.invalidInput(
                    "\(directory.path) already holds a run; pass --resume to continue it or choose another --out")
            }
            if options.dataParallelism?.isRoot ?? true {
                try RunDirectory.writeAtomically(try configuration.jsonData(), to: run.configurationURL)
            }
        }
        let parallel = options.dataParallelism.flatMap { $0.size > 1 ? $0 : nil }
        let writes = parallel?.isRoot ?? true
        try parallel?.broadcast(model.parameters)  // every process starts from process 0's weights
        let criterion = CrossEntropyLoss(labelSmoothing: Float(configuration.labelSmoothing))
        let schedule = configuration.learningRateSchedule(stepsPerEpoch: batchesPerEpoch)
        let names = model.requirements.featureNames
        let hooks = model as? any TrainingStepHooks
        let sessionStart = Date()
        var sessionSamples = 0
        let metricName = configuration.earlyStoppingMetric.rawValue
        var lastValidation: (name: String, value: Double)? = state.history.last?.value(of: configuration.earlyStoppingMetric)
            .map { (metricName, $0) }

        while state.epoch < epochs && !state.stoppedEarly {
            let epoch = state.epoch + 1
            let epochStart = Date()
            model.train()
            let order = generator.permutation(trainRows.count).map { trainRows[$0] }
            var lossSum = 0.0
            var batches = 0
            for start in stride(from: 0, to: order.count, by: batchSize) {
                let globalRows = Array(order[start..<Swift.min(start + batchSize, order.count)])
                let rows = parallel.map { Array(globalRows[$0.slice(of: globalRows.count)]) } ?? globalRows
                let labels = rows.compactMap { table.labels[$0] }
                schedule.apply(to: optimizer, step: state.step)
                optimizer.zeroGrad()
                var stepLoss: Float = 0
                var output: ModelOutput?
                if !rows.isEmpty {
                    let forward = try model.forward(try table.batch(rows, features: names))
                    var loss = try criterion(forward.logits, targets: labels)
                    for key in forward.auxiliaryLosses.keys.sorted() {
                        if let auxiliary = forward.auxiliaryLosses[key] { loss = loss + auxiliary }
                    }
                    // A process's share of the batch mean: the shares' gradients sum to the batch's.
                    if parallel != nil { loss = loss * Float(rows.count) / Float(globalRows.count) }
                    loss.backward()
                    stepLoss = loss.item
                    output = forward
                }
                if let parallel {
                    try parallel.sumGradients(model.parameters)
                    stepLoss = try parallel.sum(stepLoss)
                }
                if let output { try hooks?.beforeOptimizerStep(output: output, labels: labels) }
                if configuration.gradientClipNorm > 0 {
                    try clipGradientNorm(model.parameters, maxNorm: Float(configuration.gradientClipNorm))
                }
                optimizer.step()
                if let output { try hooks?.afterOptimizerStep(output: output, labels: labels) }
                state.step += 1
                batches += 1
                lossSum += Double(stepLoss)
                sessionSamples += globalRows.count
                if let progress = options.progress {
                    let elapsed = Date().timeIntervalSince(sessionStart)
                    let rate = Double(sessionSamples) / Swift.max(elapsed, 1e-9)
                    let remainingSamples = Double((epochs - epoch) * trainRows.count + (order.count - start - globalRows.count))
                    progress(TrainingProgress(
                        epoch: epoch, epochs: epochs, batch: batches, batchesPerEpoch: batchesPerEpoch, step: state.step,
                        loss: lossSum / Double(batches), validation: lastValidation, samplesPerSecond: rate,
                        remainingSeconds: remainingSamples / Swift.max(rate, 1e-9)))
                }
            }
            var record = EpochRecord(
                epoch: epoch, step: state.step, trainLoss: lossSum / Double(Swift.max(batches, 1)), valLoss: nil,
                valAccuracy: nil, valMacroF1: nil, learningRate: optimizer.parameterGroups.first?.learningRate ?? 0, seconds: 0)
            if !validationRows.isEmpty {
                let predictions = try Evaluation.predict(
                    model: model, table: table, rows: validationRows, batchSize: configuration.evaluationBatchSize)
                let metrics = try predictions.metrics(labelNames: table.labelNames)
                record.valLoss = predictions.loss
                record.valAccuracy = metrics.accuracy
                record.valMacroF1 = metrics.macroF1
            }
            record.seconds = Date().timeIntervalSince(epochStart)
            state.history.append(record)
            state.epoch = epoch
            let value = record.value(of: configuration.earlyStoppingMetric)
            lastValidation = value.map { (metricName, $0) }
            var improved = false
            if let value {
                if state.bestMetric.map({ value > $0 }) ?? true {
                    state.bestMetric = value
                    improved = true
                    state.epochsWithoutImprovement = 0
                } else {
                    state.epochsWithoutImprovement += 1
                }
            } else {
                improved = true  // Without validation the last epoch is the one kept.
            }
            if improved { state.bestEpoch = epoch }
            if configuration.patience > 0 && state.epochsWithoutImprovement >= configuration.patience {
                state.stoppedEarly = true
            }
            state.generator = TrainingState.words(generator)
            if writes { try save(state, to: run, improved: improved) }
            if let stop = options.stopAfterEpoch, epoch >= stop, state.epoch < epochs, !state.stoppedEarly {
                return TrainingOutcome(directory: run, history: state.history, sidecar: nil, bestEpoch: state.bestEpoch)
            }
        }
        let sidecar = writes ? try finish(run: run, state: state, options: options) : nil
        return TrainingOutcome(directory: run, history: state.history, sidecar: sidecar, bestEpoch: state.bestEpoch)
    }

    /// Writes the end-of-epoch files: the best checkpoint when it improved, the last
    /// checkpoint, the optimizer and hook state, the history, and last of all
    /// `training-state.json`, whose epoch number the other files carry in their metadata.
    func save(_ state: TrainingState, to run: RunDirectory, improved: Bool) throws {
        var state = state
        let epochMetadata = ["epoch": String(state.epoch), "format": "pt"]
        let weights = model.stateDict()
        if improved {
            try Safetensors.write(weights, to: run.checkpointURL(.best), metadata: epochMetadata)
        }
        try Safetensors.write(weights, to: run.checkpointURL(.last), metadata: epochMetadata)
        var tensors: [String: Tensor] = [:]
        for (key, tensor) in optimizer.stateDict() { tensors["optimizer." + key] = tensor }
        if let hooks = model as? any TrainingStepHooks {
            for (key, tensor) in hooks.trainingState() { tensors["model." + key] = tensor }
        }
        if tensors.isEmpty { tensors["optimizer.none"] = Tensor.zeros([1]) }
        try Safetensors.write(tensors, to: run.trainingStateURL, metadata: ["epoch": String(state.epoch)])
        state.moduleGenerators = model.randomGenerators().mapValues(TrainingState.words)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var history = ""
        for record in state.history { history += String(decoding: try encoder.encode(record), as: UTF8.self) + "\n" }
        try RunDirectory.writeAtomically(Data(history.utf8), to: run.historyURL)
        try RunDirectory.writeAtomically(try RunDirectory.json(state), to: run.trainingStateJSONURL)
    }

    /// Loads the last checkpoint, optimizer, hook and generator state of a saved run.
    func restore(from run: RunDirectory) throws -> TrainingState {
        let path = run.trainingStateJSONURL.path
        let state = try RunDirectory.decode(TrainingState.self, at: run.trainingStateJSONURL, hint: "nothing to resume")
        let checkpoint = try SafetensorsFile(contentsOf: run.checkpointURL(.last))
        let saved = try SafetensorsFile(contentsOf: run.trainingStateURL)
        for file in [checkpoint, saved] where file.metadata["epoch"] != String(state.epoch) {
            throw TrainingError.badFile(
                path: file.path,
                reason: "holds epoch \(file.metadata["epoch"] ?? "?") but \(path) says \(state.epoch); the run was stopped while saving, start it again without --resume")
        }
        try model.loadStateDict(try checkpoint.tensors())
        let tensors = try saved.tensors()
        var optimizerState: [String: Tensor] = [:], hookState: [String: Tensor] = [:]
        for (key, tensor) in tensors {
            if key.hasPrefix("optimizer."), key != "optimizer.none" { optimizerState[String(key.dropFirst(10))] = tensor }
            if key.hasPrefix("model.") { hookState[String(key.dropFirst(6))] = tensor }
        }
        try optimizer.loadStateDict(optimizerState)
        if let hooks = model as? any TrainingStepHooks { try hooks.loadTrainingState(hookState) }
        var generators: [String: RandomGenerator] = [:]
        for (key, words) in state.moduleGenerators { generators[key] = try TrainingState.restoredGenerator(words, path: path) }
        try model.setRandomGenerators(generators)
        return state
    }

    /// Loads the best checkpoint, evaluates validation and test once, and writes the
    /// predictions, intermediates, metrics and `run.json`.
    func finish(run: RunDirectory, state: TrainingState, options: TrainingOptions) throws -> RunSidecar {
        let best = try SafetensorsFile(contentsOf: run.checkpointURL(.best))
        try model.loadStateDict(try best.tensors())
        let batch = configuration.evaluationBatchSize
        // Temperature scaling (Guo et al., 2017): T minimises the validation NLL of softmax(z / T);
        // the stored probabilities, predict and serve all use it (arg-max and metrics are unchanged).
        let unscaled = try Evaluation.predict(model: model, table: table, rows: validationRows, batchSize: batch)
        let temperature = unscaled.fittedTemperature()
        let validation = unscaled.rescaled(temperature: temperature)
        try RunDirectory.writeAtomically(
            Data(try validation.jsonLines(labelNames: table.labelNames).utf8), to: run.predictionsURL(split: "val"))
        let test = try Evaluation.predict(model: model, table: table, rows: testRows, batchSize: batch, temperature: temperature)
        try RunDirectory.writeAtomically(
            Data(try test.jsonLines(labelNames: table.labelNames).utf8), to: run.predictionsURL(split: "test"))
        if !test.intermediates.isEmpty {
            try Safetensors.write(test.intermediates, to: run.testIntermediatesURL)
        }
        var metrics: ClassificationMetrics?
        if !testRows.isEmpty {
            metrics = try test.metrics(labelNames: table.labelNames)
            try RunDirectory.writeAtomically(try RunDirectory.json(metrics), to: run.metricsURL)
        }
        let formatter = ISO8601DateFormatter()
        let sidecar = RunSidecar(
            model: configuration.model, configuration: try JSONValue.parse(try model.configurationJSON()),
            labelNames: table.labelNames, features: model.requirements.featureNames, featureStore: options.featureStore,
            encoders: options.encoders, seed: configuration.seed, ablations: configuration.ablations,
            hyperparameters: try JSONValue.parse(try configuration.jsonData()), created: formatter.string(from: Date()),
            bestEpoch: state.bestEpoch, metrics: metrics, temperature: temperature)
        try RunDirectory.writeAtomically(try RunDirectory.json(sidecar), to: run.sidecarURL)
        return sidecar
    }
}
