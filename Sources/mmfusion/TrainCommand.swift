import ArgumentParser
import Distributed
import Foundation
import FusionModels
import Training

/// `mmfusion train`: trains a fusion model on cached features into a run directory and
/// records it in the workspace's experiment store.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a fusion model on cached features.",
        discussion: """
            Settings come from the model's paper defaults (or --preset), then --config (YAML, keys as in \
            the run's config.json), then the flags. With --seeds, one run per seed goes to <out>/seed-N/. \
            A run stopped part-way continues bit-identically with --resume.
            """)

    @Option(help: "The model's registry id (see `mmfusion models list`).") var model: String?
    @Option(help: "The directory of cached features.") var features: String
    @Option(help: "A preset of the model (its paper's settings for one dataset).") var preset: String?
    @Option(help: "A YAML training configuration.") var config: String?
    @Option(help: "Epochs.") var epochs: Int?
    @Option(help: "Training batch size.") var batchSize: Int?
    @Option(help: "Initial learning rate.") var lr: Double?
    @Option(help: "Weight decay.") var weightDecay: Double?
    @Option(help: "Optimizer: adamw, adam or sgd.") var optimizer: String?
    @Option(help: "β₂ of Adam / AdamW.") var beta2: Double?
    @Option(help: "SGD momentum.") var momentum: Double?
    @Option(help: "Learning-rate schedule: constant, linear, cosine, cosine-annealing or step.") var schedule: String?
    @Option(help: "Warm-up steps of the linear and cosine schedules.") var warmupSteps: Int?
    @Option(help: "Maximum gradient norm (0: no clipping).") var clip: Double?
    @Option(help: "Early-stopping patience in epochs (0: off).") var patience: Int?
    @Option(help: "Selection metric: val_macro_f1 or val_accuracy.") var selectionMetric: String?
    @Option(help: "Label smoothing of the cross-entropy.") var labelSmoothing: Double?
    @Option(help: "The seed.") var seed: UInt64?
    @Option(help: "Comma-separated seeds: one run per seed under <out>/seed-N/.") var seeds: String?
    @Option(name: .customLong("ablate"), help: "An ablation switch of the model (repeatable).") var ablations: [String] = []
    @Option(name: .customLong("set"), help: ArgumentHelp(
        "A model configuration key (repeatable), e.g. --set text_hidden_size=384; the value is read as JSON, else as text.",
        valueName: "key=value")) var modelSettings: [String] = []
    @Flag(help: "Continue the run(s) in --out from the last finished epoch.") var resume = false
    @Option(help: "The run directory to write.") var out: String
    @Option(help: "The workspace whose experiment store records the run (default: ./.mmfusion).") var workspace: String?
    @Flag(help: "Do not record the run in the experiment store.") var noRecord = false
    @Option(help: ArgumentHelp(
        "none, or mpi: run as one rank of `mpirun -np N` / `srun`.",
        discussion: "With one seed the ranks train it together (each takes 1/N of every global batch; gradients are summed with allreduce; rank 0 writes the run). With several --seeds each rank trains its own seeds (seed i on rank i mod N) and rank 0 records them all."))
    var distributed: DistributedMode = .none

    func validate() throws {
        if seed != nil && seeds != nil { throw ValidationError("give --seed or --seeds, not both") }
        if let seeds, parsedSeeds(seeds) == nil {
            throw ValidationError("--seeds must be comma-separated whole numbers, e.g. 1,2,3 (got '\(seeds)')")
        }
        if model == nil && config == nil && !resume { throw ValidationError("give --model (or a --config that names one)") }
    }

    func parsedSeeds(_ text: String) -> [UInt64]? {
        let values = text.split(separator: ",").map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else { return nil }
        return values.compactMap { $0 }
    }

    /// Defaults, then the YAML file, then the flags.
    func configuration() throws -> TrainingConfiguration {
        var result = TrainingConfiguration(model: model ?? "")
        if let config {
            let url = URL(fileURLWithPath: config)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw TrainingError.badFile(path: url.path, reason: "cannot be read; give a YAML configuration file")
            }
            result = try TrainingConfiguration.fromYAML(text, source: url.path)
        }
        if let model { result.model = model }
        if let preset { result.preset = preset }
        if !ablations.isEmpty { result.ablations = ablations }
        for setting in modelSettings {
            guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex else {
                throw ValidationError("--set needs key=value (got '\(setting)')")
            }
            let key = String(setting[..<equals]), text = String(setting[setting.index(after: equals)...])
            result.modelConfiguration[key] = (try? JSONValue.parse(Data(text.utf8))) ?? .string(text)
        }
        if let epochs { result.epochs = epochs }
        if let batchSize { result.batchSize = batchSize }
        if let lr { result.learningRate = lr }
        if let weightDecay { result.weightDecay = weightDecay }
        if let optimizer {
            guard let kind = TrainingConfiguration.OptimizerKind(rawValue: optimizer) else {
                throw ValidationError("--optimizer must be one of adamw, adam, sgd (got '\(optimizer)')")
            }
            result.optimizer = kind
        }
        if let beta2 { result.beta2 = beta2 }
        if let momentum { result.momentum = momentum }
        if let schedule {
            guard let kind = TrainingConfiguration.ScheduleKind(rawValue: schedule) else {
                let known = TrainingConfiguration.ScheduleKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--schedule must be one of \(known) (got '\(schedule)')")
            }
            result.schedule = kind
        }
        if let warmupSteps { result.warmupSteps = warmupSteps }
        if let clip { result.gradientClipNorm = clip }
        if let patience { result.patience = patience }
        if let selectionMetric {
            guard let metric = TrainingConfiguration.SelectionMetric(rawValue: selectionMetric) else {
                throw ValidationError("--selection-metric must be val_macro_f1 or val_accuracy (got '\(selectionMetric)')")
            }
            result.earlyStoppingMetric = metric
        }
        if let labelSmoothing { result.labelSmoothing = labelSmoothing }
        if let seed { result.seed = seed }
        return result
    }

    func run() throws {
        let featuresURL = URL(fileURLWithPath: features).standardizedFileURL
        let (table, encoders) = try loadFeatures(at: featuresURL)
        let base = try configuration()
        let outURL = URL(fileURLWithPath: out).standardizedFileURL
        var plan: [(configuration: TrainingConfiguration, directory: URL)] = []
        if let seeds, let values = parsedSeeds(seeds) {
            for value in values {
                var configuration = base
                configuration.seed = value
                plan.append((configuration, outURL.appendingPathComponent("seed-\(value)")))
            }
        } else {
            plan.append((base, outURL))
        }
        let communicator = try distributed.makeCommunicator()
        defer { (communicator as? MPICommunicator)?.finalize() }
        let spreadSeeds = communicator.size > 1 && plan.count > 1
        var parallelism: DataParallelism?
        if communicator.size > 1 && !spreadSeeds {
            parallelism = DataParallelism(
                rank: communicator.rank, size: communicator.size,
                allReduceSum: { try communicator.allReduceSum($0) },
                broadcast: { try communicator.broadcast(UnsafeMutableRawBufferPointer($0), root: 0) })
        }
        let store = noRecord || !communicator.isRoot ? nil : try ExperimentStore(url: ExperimentStore.defaultURL(
            workspace: workspace.map { URL(fileURLWithPath: $0) }))
        for (position, (planned, directory)) in plan.enumerated()
        where !spreadSeeds || position % communicator.size == communicator.rank {
            var configuration = planned
            let run = RunDirectory(url: directory)
            if resume, FileManager.default.fileExists(atPath: run.configurationURL.path) {
                configuration = try run.configuration()  // A resumed run keeps the configuration it started with.
            }
            let trainer = try Trainer(configuration: configuration, table: table)
            var options = TrainingOptions()
            options.resume = resume
            options.featureStore = featuresURL.path
            options.encoders = encoders
            options.dataParallelism = parallelism
            var lastDrawn = Date.distantPast
            let drawsProgress = communicator.isRoot || spreadSeeds
            options.progress = !drawsProgress ? nil : { progress in
                let now = Date()
                let endOfEpoch = progress.batch == progress.batchesPerEpoch
                guard endOfEpoch || now.timeIntervalSince(lastDrawn) > 0.2 else { return }
                lastDrawn = now
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + progress.line + (endOfEpoch ? "\n" : "")).utf8))
            }
            if drawsProgress {
                let place = communicator.size > 1 ? (spreadSeeds ? " on rank \(communicator.rank)" : " on \(communicator.size) ranks") : ""
                FileHandle.standardError.write(Data(
                    "training \(trainer.configuration.model) (seed \(trainer.configuration.seed))\(place) into \(directory.path)\n".utf8))
            }
            let outcome = try trainer.train(into: directory, options: options)
            if !spreadSeeds { try store?.record(run, environment: RunEnvironment.current(encoders: encoders)) }
            if let metrics = outcome.sidecar?.metrics {
                let summary = String(format: "test accuracy %.4f  macro F1 %.4f  (best epoch %d)",
                                     metrics.accuracy, metrics.macroF1, outcome.bestEpoch)
                FileHandle.standardError.write(Data((summary + "\n").utf8))
            }
        }
        if spreadSeeds {
            try communicator.barrier()  // every rank's runs are written
            for (_, directory) in plan { try store?.record(RunDirectory(url: directory), environment: RunEnvironment.current(encoders: encoders)) }
        }
    }
}
