import Datasets
import Foundation
import Tensors

/// A `FeatureTable` saved as a directory: `features.safetensors` (one tensor per feature
/// name, rows = posts) and `table.json` (`ids`, `labels` (class indices, null when
/// unlabelled), `label_names`, `splits` (null when none), `text_present`,
/// `image_present`, `encoders`). The commands read features through this format until
/// they read a feature store directly.
public enum FeatureTableExport {
    struct Header: Codable {
        var ids: [String]
        var labels: [Int?]
        var labelNames: [String]
        var splits: [SplitName?]
        var textPresent: [Bool]
        var imagePresent: [Bool]
        var encoders: JSONValue?

        enum CodingKeys: String, CodingKey {
            case ids, labels
            case labelNames = "label_names"
            case splits
            case textPresent = "text_present"
            case imagePresent = "image_present"
            case encoders
        }
    }

    /// Writes `table` into `directory` (created if needed); `encoders` is recorded as given.
    public static func write(_ table: FeatureTable, to directory: URL, encoders: JSONValue = .null) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Safetensors.write(table.features, to: directory.appendingPathComponent("features.safetensors"))
        let header = Header(ids: table.ids, labels: table.labels, labelNames: table.labelNames, splits: table.splits,
                            textPresent: table.textPresent, imagePresent: table.imagePresent, encoders: encoders)
        try RunDirectory.writeAtomically(try RunDirectory.json(header), to: directory.appendingPathComponent("table.json"))
    }

    /// Reads a table written by `write`, with the `encoders` it recorded.
    /// - Throws: `TrainingError.badFile` naming the file and what is wrong.
    public static func read(at directory: URL) throws -> (table: FeatureTable, encoders: JSONValue) {
        let headerURL = directory.appendingPathComponent("table.json")
        let header = try RunDirectory.decode(Header.self, at: headerURL, hint: "not a feature directory")
        let rows = header.ids.count
        guard header.labels.count == rows, header.splits.count == rows, header.textPresent.count == rows,
              header.imagePresent.count == rows else {
            throw TrainingError.badFile(path: headerURL.path, reason: "per-row arrays disagree with the \(rows) ids")
        }
        if let bad = header.labels.compactMap({ $0 }).first(where: { $0 < 0 || $0 >= header.labelNames.count }) {
            throw TrainingError.badFile(path: headerURL.path, reason: "label index \(bad) is outside label_names \(header.labelNames)")
        }
        let featuresURL = directory.appendingPathComponent("features.safetensors")
        let features: [String: Tensor]
        do { features = try SafetensorsFile(contentsOf: featuresURL).tensors() } catch {
            throw TrainingError.badFile(path: featuresURL.path, reason: "\(error)")
        }
        for (name, tensor) in features where tensor.rank == 0 || tensor.shape[0] != rows {
            throw TrainingError.badFile(path: featuresURL.path, reason: "feature '\(name)' has shape \(tensor.shape), expected \(rows) rows")
        }
        let table = FeatureTable(
            ids: header.ids, labels: header.labels, labelNames: header.labelNames, splits: header.splits,
            textPresent: header.textPresent, imagePresent: header.imagePresent, features: features)
        return (table, header.encoders ?? .null)
    }
}
