import Foundation
import GRDB

/// The machine and software a run was trained with, recorded beside it.
public struct RunEnvironment: Equatable, Sendable {
    /// Host name and CPU architecture.
    public var machine: String
    /// The operating system's version string.
    public var operatingSystem: String
    /// The Swift compiler version the tool was built with.
    public var swiftVersion: String
    /// SHA-256 of each encoder weight file the features came from, by file (from the
    /// feature store's manifest).
    public var weightHashes: [String: String]

    /// An environment with every field given.
    public init(machine: String, operatingSystem: String, swiftVersion: String, weightHashes: [String: String]) {
        self.machine = machine
        self.operatingSystem = operatingSystem
        self.swiftVersion = swiftVersion
        self.weightHashes = weightHashes
    }

    /// This process's environment, with the weight hashes found in `encoders` (every
    /// string value under a key containing `sha256` or `hash`, such as the feature store
    /// manifest's `fileHashes`, keyed by its path in the JSON).
    public static func current(encoders: JSONValue) -> RunEnvironment {
        var system = utsname()
        uname(&system)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        var hashes: [String: String] = [:]
        func collect(_ value: JSONValue, path: String, underHashKey: Bool) {
            switch value {
            case let .object(object):
                for (key, inner) in object {
                    let innerPath = path.isEmpty ? key : path + "." + key
                    let hashKey = underHashKey || key.lowercased().contains("sha256") || key.lowercased().contains("hash")
                    if case let .string(hash) = inner, hashKey {
                        hashes[innerPath] = hash
                    } else {
                        collect(inner, path: innerPath, underHashKey: hashKey)
                    }
                }
            case let .array(array):
                for (index, inner) in array.enumerated() {
                    collect(inner, path: "\(path)[\(index)]", underHashKey: underHashKey)
                }
            default:
                break
            }
        }
        collect(encoders, path: "", underHashKey: false)
        return RunEnvironment(
            machine: "\(ProcessInfo.processInfo.hostName) \(text(system.machine))",
            operatingSystem: ProcessInfo.processInfo.operatingSystemVersionString,
            swiftVersion: compilerVersion, weightHashes: hashes)
    }

    static var compilerVersion: String {
        #if compiler(>=6.4)
        return "6.4 or later"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #else
        return "before 6.2"
        #endif
    }
}

/// The workspace's record of training runs, in SQLite (`<workspace>/mmfusion.sqlite`).
///
/// Tables:
/// - `runs(directory PRIMARY KEY, model, preset, ablations (JSON array), seed, feature_store, created, best_epoch)`
/// - `configs(directory PRIMARY KEY, configuration (config.json text), model_configuration (JSON))`
/// - `epoch_metrics(directory, epoch, step, train_loss, val_loss, val_accuracy, val_macro_f1, learning_rate, seconds; PRIMARY KEY (directory, epoch))`
/// - `final_metrics(directory, split, metric, value; PRIMARY KEY (directory, split, metric))`
/// - `environment(directory PRIMARY KEY, machine, operating_system, swift_version, weight_hashes (JSON object))`
///
/// Recording a run directory again replaces its rows.
public final class ExperimentStore {
    /// The database file.
    public let url: URL
    let queue: DatabaseQueue

    /// The store of a workspace: `workspace` when given, else `.mmfusion/` in the current directory.
    public static func defaultURL(workspace: URL?) -> URL {
        let directory = workspace ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".mmfusion")
        return directory.appendingPathComponent("mmfusion.sqlite")
    }

    /// Opens (creating the file and its folder when needed) the store at `url`.
    /// - Throws: `TrainingError.badFile` when the database cannot be opened or migrated.
    public init(url: URL) throws {
        self.url = url
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            queue = try DatabaseQueue(path: url.path)
            try Self.migrator.migrate(queue)
        } catch {
            throw TrainingError.badFile(path: url.path, reason: "cannot open the experiment store: \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    directory TEXT PRIMARY KEY NOT NULL, model TEXT NOT NULL, preset TEXT, ablations TEXT NOT NULL,
                    seed INTEGER NOT NULL, feature_store TEXT NOT NULL, created TEXT NOT NULL, best_epoch INTEGER NOT NULL);
                CREATE TABLE configs (
                    directory TEXT PRIMARY KEY NOT NULL REFERENCES runs(directory) ON DELETE CASCADE,
                    configuration TEXT NOT NULL, model_configuration TEXT NOT NULL);
                CREATE TABLE epoch_metrics (
                    directory TEXT NOT NULL REFERENCES runs(directory) ON DELETE CASCADE, epoch INTEGER NOT NULL,
                    step INTEGER NOT NULL, train_loss REAL NOT NULL, val_loss REAL, val_accuracy REAL, val_macro_f1 REAL,
                    learning_rate REAL NOT NULL, seconds REAL NOT NULL, PRIMARY KEY (directory, epoch));
                CREATE TABLE final_metrics (
                    directory TEXT NOT NULL REFERENCES runs(directory) ON DELETE CASCADE, split TEXT NOT NULL,
                    metric TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (directory, split, metric));
                CREATE TABLE environment (
                    directory TEXT PRIMARY KEY NOT NULL REFERENCES runs(directory) ON DELETE CASCADE,
                    machine TEXT NOT NULL, operating_system TEXT NOT NULL, swift_version TEXT NOT NULL,
                    weight_hashes TEXT NOT NULL);
                """)
        }
        return migrator
    }

    /// Records the finished run in `run` (its sidecar, configuration, history and test
    /// metrics) with `environment`, replacing an earlier record of the same directory.
    public func record(_ run: RunDirectory, environment: RunEnvironment) throws {
        let stored = try StoredRun(directory: run)
        let configuration = (try? Data(contentsOf: run.configurationURL)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let modelConfiguration = String(decoding: try run.sidecar().configuration.jsonData(), as: UTF8.self)
        let history = (try? run.history()) ?? []
        try record(stored, configuration: configuration, modelConfiguration: modelConfiguration, history: history,
                   environment: environment)
    }

    /// Records a run from its parts (replacing an earlier record of `run.directory`).
    public func record(_ run: StoredRun, configuration: String, modelConfiguration: String, history: [EpochRecord],
                       environment: RunEnvironment) throws {
        let ablations = String(decoding: try JSONEncoder().encode(run.ablations), as: UTF8.self)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let hashes = String(decoding: try encoder.encode(environment.weightHashes), as: UTF8.self)
        try queue.write { db in
            try db.execute(sql: "DELETE FROM runs WHERE directory = ?", arguments: [run.directory])
            for table in ["configs", "epoch_metrics", "final_metrics", "environment"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE directory = ?", arguments: [run.directory])
            }
            try db.execute(
                sql: "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [run.directory, run.model, run.preset, ablations, Int64(bitPattern: run.seed), run.featureStore,
                            run.created, run.bestEpoch])
            try db.execute(sql: "INSERT INTO configs VALUES (?, ?, ?)",
                           arguments: [run.directory, configuration, modelConfiguration])
            for record in history {
                try db.execute(
                    sql: "INSERT INTO epoch_metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [run.directory, record.epoch, record.step, record.trainLoss, record.valLoss, record.valAccuracy,
                                record.valMacroF1, record.learningRate, record.seconds])
            }
            for (metric, value) in run.metrics.sorted(by: { $0.key < $1.key }) {
                try db.execute(sql: "INSERT INTO final_metrics VALUES (?, 'test', ?, ?)",
                               arguments: [run.directory, metric, value])
            }
            try db.execute(
                sql: "INSERT INTO environment VALUES (?, ?, ?, ?, ?)",
                arguments: [run.directory, environment.machine, environment.operatingSystem, environment.swiftVersion, hashes])
        }
    }

    /// Every recorded run, in the order recorded.
    public func runs() throws -> [StoredRun] {
        try queue.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY rowid")
            return try rows.map { row in
                let directory: String = row["directory"]
                let ablationsText: String = row["ablations"]
                let ablations = (try? JSONDecoder().decode([String].self, from: Data(ablationsText.utf8))) ?? []
                var metrics: [String: Double] = [:]
                for metric in try Row.fetchAll(
                    db, sql: "SELECT metric, value FROM final_metrics WHERE directory = ? AND split = 'test'",
                    arguments: [directory]) {
                    metrics[metric["metric"]] = metric["value"]
                }
                let seed: Int64 = row["seed"]
                return StoredRun(directory: directory, model: row["model"], preset: row["preset"], ablations: ablations,
                                 seed: UInt64(bitPattern: seed), featureStore: row["feature_store"], created: row["created"],
                                 bestEpoch: row["best_epoch"], metrics: metrics)
            }
        }
    }

    /// The epoch records of a recorded run, by epoch.
    public func history(directory: String) throws -> [EpochRecord] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM epoch_metrics WHERE directory = ? ORDER BY epoch", arguments: [directory])
                .map { row in
                    EpochRecord(epoch: row["epoch"], step: row["step"], trainLoss: row["train_loss"], valLoss: row["val_loss"],
                                valAccuracy: row["val_accuracy"], valMacroF1: row["val_macro_f1"],
                                learningRate: row["learning_rate"], seconds: row["seconds"])
                }
        }
    }

    /// The recorded environment of a run.
    public func environment(directory: String) throws -> RunEnvironment? {
        try queue.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM environment WHERE directory = ?", arguments: [directory]) else {
                return nil
            }
            let hashesText: String = row["weight_hashes"]
            let hashes = (try? JSONDecoder().decode([String: String].self, from: Data(hashesText.utf8))) ?? [:]
            return RunEnvironment(machine: row["machine"], operatingSystem: row["operating_system"],
                                  swiftVersion: row["swift_version"], weightHashes: hashes)
        }
    }
}
