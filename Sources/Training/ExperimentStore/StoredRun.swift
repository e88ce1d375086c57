import Foundation

/// One run as the experiment store and `runs list|compare` see it.
public struct StoredRun: Equatable, Sendable {
    /// The run directory (absolute path); the store's key.
    public var directory: String
    /// Registry id of the model.
    public var model: String
    /// The model preset, nil for defaults.
    public var preset: String?
    /// Ablation switches.
    public var ablations: [String]
    /// The seed.
    public var seed: UInt64
    /// The feature store it trained on.
    public var featureStore: String
    /// When training finished (ISO-8601).
    public var created: String
    /// The selected epoch.
    public var bestEpoch: Int
    /// Final test metrics by name: `accuracy`, `macro_f1`, `weighted_f1`, and `auc` for
    /// binary tasks.
    public var metrics: [String: Double]

    /// A run with every field given.
    public init(directory: String, model: String, preset: String?, ablations: [String], seed: UInt64, featureStore: String,
                created: String, bestEpoch: Int, metrics: [String: Double]) {
        self.directory = directory
        self.model = model
        self.preset = preset
        self.ablations = ablations
        self.seed = seed
        self.featureStore = featureStore
        self.created = created
        self.bestEpoch = bestEpoch
        self.metrics = metrics
    }

    /// The metrics of `ClassificationMetrics` that comparisons show, by name.
    public static func metricValues(_ metrics: ClassificationMetrics?) -> [String: Double] {
        guard let metrics else { return [:] }
        var values = ["accuracy": metrics.accuracy, "macro_f1": metrics.macroF1, "weighted_f1": metrics.weightedF1]
        if let auc = metrics.auc { values["auc"] = auc }
        return values
    }

    /// The run in a finished run directory.
    /// - Throws: `TrainingError.badFile` when `run.json` or `config.json` is missing or malformed.
    public init(directory run: RunDirectory) throws {
        let sidecar = try run.sidecar()
        let configuration = try? run.configuration()
        self.init(directory: run.url.standardizedFileURL.path, model: sidecar.model, preset: configuration?.preset,
                  ablations: sidecar.ablations, seed: sidecar.seed, featureStore: sidecar.featureStore,
                  created: sidecar.created, bestEpoch: sidecar.bestEpoch, metrics: Self.metricValues(sidecar.metrics))
    }

    /// The finished runs under `url`: the run itself when it holds `run.json`, otherwise
    /// every direct subdirectory that does (the `seed-N` folders of `--seeds`), by name.
    /// - Throws: `TrainingError.badFile` when no finished run is found there.
    public static func runs(at url: URL) throws -> [StoredRun] {
        let run = RunDirectory(url: url)
        if run.isComplete { return [try StoredRun(directory: run)] }
        let children = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
        let found = try children.map { RunDirectory(url: url.appendingPathComponent($0)) }.filter(\.isComplete)
            .map { try StoredRun(directory: $0) }
        guard !found.isEmpty else {
            throw TrainingError.badFile(path: url.path, reason: "holds no finished run (no run.json here or in its subdirectories)")
        }
        return found
    }
}
