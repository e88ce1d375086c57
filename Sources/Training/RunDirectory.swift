import Foundation
import FusionModels

/// A run directory written by `Trainer` (`mmfusion train --out`), and read back by
/// `evaluate`, `predict`, `report` and `serve`.
///
/// Files: `run.json` (`RunSidecar`), `config.json` (the resolved `TrainingConfiguration`),
/// `checkpoint-best.safetensors` and `checkpoint-last.safetensors` (model state dicts by
/// PyTorch-style names), `training-state.safetensors` + `training-state.json` (everything
/// a resume needs), `history.jsonl` (one `EpochRecord` per line), `metrics.json` (test
/// `ClassificationMetrics`), `predictions-test.jsonl`, `predictions-val.jsonl` and
/// `intermediates-test.safetensors` (`fused` and the model's other per-sample
/// intermediates, row-aligned with `predictions-test.jsonl`).
public struct RunDirectory: Sendable {
    /// Which checkpoint to load.
    public enum Checkpoint: String, Sendable {
        case best, last
    }

    /// The directory.
    public let url: URL

    /// A handle on `url` (nothing is read).
    public init(url: URL) {
        self.url = url
    }

    public var sidecarURL: URL { url.appendingPathComponent("run.json") }
    public var configurationURL: URL { url.appendingPathComponent("config.json") }
    public var historyURL: URL { url.appendingPathComponent("history.jsonl") }
    public var metricsURL: URL { url.appendingPathComponent("metrics.json") }
    public var trainingStateURL: URL { url.appendingPathComponent("training-state.safetensors") }
    public var trainingStateJSONURL: URL { url.appendingPathComponent("training-state.json") }
    public var testIntermediatesURL: URL { url.appendingPathComponent("intermediates-test.safetensors") }
    public func checkpointURL(_ which: Checkpoint) -> URL { url.appendingPathComponent("checkpoint-\(which.rawValue).safetensors") }
    public func predictionsURL(split: String) -> URL { url.appendingPathComponent("predictions-\(split).jsonl") }

    /// Whether the directory holds a finished run (`run.json` exists).
    public var isComplete: Bool { FileManager.default.fileExists(atPath: sidecarURL.path) }

    /// Reads `run.json`.
    /// - Throws: `TrainingError.badFile` naming the file when it is missing or malformed.
    public func sidecar() throws -> RunSidecar {
        try Self.decode(RunSidecar.self, at: sidecarURL, hint: "train a model into this directory with `mmfusion train --out`")
    }

    /// Reads `config.json`.
    public func configuration() throws -> TrainingConfiguration {
        let data = try Self.read(configurationURL, hint: "the run was not started by `mmfusion train`")
        return try TrainingConfiguration.fromJSON(data, source: configurationURL.path)
    }

    /// Reads `history.jsonl`.
    public func history() throws -> [EpochRecord] {
        let data = try Self.read(historyURL, hint: "the run has not finished an epoch")
        var records: [EpochRecord] = []
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            do {
                records.append(try JSONDecoder().decode(EpochRecord.self, from: Data(line.utf8)))
            } catch {
                throw TrainingError.badFile(path: historyURL.path, reason: "line \(number + 1) is not an epoch record: \(error)")
            }
        }
        return records
    }

    /// Reads `metrics.json`.
    public func metrics() throws -> ClassificationMetrics {
        try Self.decode(ClassificationMetrics.self, at: metricsURL, hint: "the run has no labelled test split")
    }

    /// Builds the run's model from `run.json` and loads a checkpoint into it, in evaluation mode.
    /// - Throws: `TrainingError.badFile` or the model's errors, naming the file.
    public func loadModel(_ which: Checkpoint = .best) throws -> any FusionModel {
        let sidecar = try sidecar()
        let model = try ModelRegistry.make(
            id: sidecar.model, config: try sidecar.configuration.jsonData(), classes: sidecar.labelNames.count,
            seed: sidecar.seed)
        let checkpoint = checkpointURL(which)
        do {
            try model.loadStateDict(try SafetensorsFile(contentsOf: checkpoint).tensors())
        } catch {
            throw TrainingError.badFile(path: checkpoint.path, reason: "cannot load the checkpoint into model '\(sidecar.model)': \(error)")
        }
        model.eval()
        return model
    }

    static func read(_ url: URL, hint: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TrainingError.badFile(path: url.path, reason: "missing (\(hint))")
        }
        do { return try Data(contentsOf: url) } catch {
            throw TrainingError.badFile(path: url.path, reason: "cannot be read: \(error.localizedDescription)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, at url: URL, hint: String) throws -> T {
        let data = try read(url, hint: hint)
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw TrainingError.badFile(path: url.path, reason: "malformed: \(TrainingConfiguration.describe(error))")
        }
    }

    /// Writes `data` under a temporary name beside `url` and renames it into place.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
        do {
            try data.write(to: temporary)
        } catch {
            throw TrainingError.badFile(path: url.path, reason: "cannot be written: \(error.localizedDescription)")
        }
        guard Foundation.rename(temporary.path, url.path) == 0 else {
            throw TrainingError.badFile(path: url.path, reason: "cannot be renamed into place (errno \(errno))")
        }
    }

    /// Pretty, key-sorted JSON.
    static func json<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
