import Foundation
import Tensors

/// The files of a run directory that the report reads (see docs/reports.md for the
/// layout): `run.json`, `config.json`, `history.jsonl`, `metrics.json`,
/// `predictions-{test,val}.jsonl` and `intermediates-test.safetensors`. Only `run.json`
/// is required; every other figure is left out, with a note, when its file is missing.
struct ReportRunDirectory {
    struct Prediction {
        var id: String
        var label: Int?
        var predicted: Int
        var probabilities: [Double]
    }

    struct PerClass {
        var label: String
        var precision: Double
        var recall: Double
        var f1: Double
        var support: Int
    }

    let directory: URL
    var sidecar: [String: Any] = [:]
    var configuration: [String: Any]?
    var history: [[String: Any]] = []
    var metrics: [String: Any]?
    var labelNames: [String] = []
    var testPredictions: [Prediction] = []
    var validationPredictions: [Prediction] = []
    var intermediates: [String: Tensor] = [:]
    /// What was missing or unreadable, for the page's notes.
    var notes: [String] = []

    init(directory: URL) throws {
        self.directory = directory
        let sidecarURL = directory.appendingPathComponent("run.json")
        guard FileManager.default.fileExists(atPath: sidecarURL.path) else {
            throw ReportError.missingFile(path: sidecarURL.path,
                                          hint: "point --run at a directory written by `mmfusion train`")
        }
        sidecar = try Self.readObject(sidecarURL)
        labelNames = sidecar["label_names"] as? [String] ?? []
        let configURL = directory.appendingPathComponent("config.json")
        if FileManager.default.fileExists(atPath: configURL.path) {
            configuration = try Self.readObject(configURL)
        }
        let historyURL = directory.appendingPathComponent("history.jsonl")
        if FileManager.default.fileExists(atPath: historyURL.path) {
            history = try Self.readLines(historyURL)
        } else {
            notes.append("history.jsonl is missing: no training curves.")
        }
        let metricsURL = directory.appendingPathComponent("metrics.json")
        if FileManager.default.fileExists(atPath: metricsURL.path) {
            metrics = try Self.readObject(metricsURL)
        } else if let embedded = sidecar["metrics"] as? [String: Any] {
            metrics = embedded
        } else {
            notes.append("metrics.json is missing: no metrics table, confusion matrix or per-class F1.")
        }
        testPredictions = try readPredictions("predictions-test.jsonl")
        validationPredictions = try readPredictions("predictions-val.jsonl")
        let intermediatesURL = directory.appendingPathComponent("intermediates-test.safetensors")
        if FileManager.default.fileExists(atPath: intermediatesURL.path) {
            do {
                let file = try SafetensorsFile(contentsOf: intermediatesURL)
                for name in file.names { intermediates[name] = try file.tensor(name) }
            } catch {
                throw ReportError.malformedFile(path: intermediatesURL.path, line: nil, detail: "\(error)")
            }
        } else {
            notes.append("intermediates-test.safetensors is missing: no t-SNE, gate histograms or attention maps.")
        }
    }

    var model: String { sidecar["model"] as? String ?? "unknown model" }

    /// Per-class precision, recall, F1 and support from metrics.json.
    var perClass: [PerClass] {
        guard let entries = metrics?["per_class"] as? [[String: Any]] else { return [] }
        return entries.enumerated().map { index, entry in
            PerClass(label: entry["label"] as? String ?? (index < labelNames.count ? labelNames[index] : "class \(index)"),
                     precision: Self.double(entry["precision"]) ?? 0, recall: Self.double(entry["recall"]) ?? 0,
                     f1: Self.double(entry["f1"]) ?? 0, support: (entry["support"] as? NSNumber)?.intValue ?? 0)
        }
    }

    /// The confusion matrix from metrics.json, or counted from the test predictions.
    var confusionMatrix: [[Int]]? {
        if let rows = metrics?["confusion_matrix"] as? [[NSNumber]] { return rows.map { $0.map(\.intValue) } }
        let classes = labelNames.count
        let labelled = testPredictions.filter { $0.label != nil }
        guard classes > 0, !labelled.isEmpty else { return nil }
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for prediction in labelled {
            if let label = prediction.label, label < classes, prediction.predicted < classes {
                counts[label][prediction.predicted] += 1
            }
        }
        return counts
    }

    static func double(_ value: Any?) -> Double? {
        (value as? NSNumber)?.doubleValue
    }

    func readPredictions(_ name: String) throws -> [Prediction] {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        let lines = try Self.readLines(url)
        return try lines.enumerated().map { index, line in
            func classIndex(_ value: Any?) -> Int? {
                if let number = value as? NSNumber { return number.intValue }
                if let name = value as? String { return labelNames.firstIndex(of: name) }
                return nil
            }
            guard let predicted = classIndex(line["predicted"]) else {
                throw ReportError.malformedFile(path: url.path, line: index + 1,
                                                detail: "\"predicted\" is missing or not one of the run's label names")
            }
            let probabilities = (line["probabilities"] as? [NSNumber])?.map(\.doubleValue) ?? []
            let id = (line["id"] as? String) ?? (line["id"] as? NSNumber)?.stringValue ?? "row \(index + 1)"
            return Prediction(id: id, label: classIndex(line["label"]), predicted: predicted, probabilities: probabilities)
        }
    }

    static func readObject(_ url: URL) throws -> [String: Any] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ReportError.missingFile(path: url.path, hint: "check that the file exists and is readable")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ReportError.malformedFile(path: url.path, line: nil, detail: "not a JSON object")
        }
        return object
    }

    static func readLines(_ url: URL) throws -> [[String: Any]] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ReportError.missingFile(path: url.path, hint: "check that the file exists and is readable")
        }
        var rows: [[String: Any]] = []
        for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any] else {
                throw ReportError.malformedFile(path: url.path, line: index + 1, detail: "not a JSON object")
            }
            rows.append(object)
        }
        return rows
    }
}
