import Foundation

/// A sharded checkpoint's index, `model.safetensors.index.json` (or
/// `pytorch_model.bin.index.json`), as the Hugging Face hub writes it:
///
/// ```json
/// {"metadata": {"total_size": 1234},
///  "weight_map": {"embeddings.word_embeddings.weight": "model-00001-of-00002.safetensors", ...}}
/// ```
///
/// Shard names are file names in the index's own folder.
public struct SafetensorsIndex: Sendable {
    /// The index file.
    public let url: URL
    /// Tensor name to shard file name.
    public let weightMap: [String: String]
    /// The `"metadata"` values as text (`"total_size"` and the like); empty when absent.
    public let metadata: [String: String]

    /// The shard file names, sorted, each once.
    public var shardNames: [String] { Array(Set(weightMap.values)).sorted() }

    /// Reads and validates the index at `url`.
    /// - Throws: `TensorArchiveError.invalidIndex` naming the file and the problem.
    public init(contentsOf url: URL) throws {
        self.url = url
        let path = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TensorArchiveError.unreadable(file: path, reason: error.localizedDescription)
        }
        let bytes = [UInt8](data)
        let valid = bytes.withUnsafeBytes { isValidUTF8($0) }
        guard valid else { throw TensorArchiveError.invalidIndex(file: path, detail: "the file is not UTF-8") }
        let json: HeaderJSON
        do {
            json = try HeaderJSON.parse(bytes)
        } catch {
            throw TensorArchiveError.invalidIndex(file: path, detail: "not JSON: \(error.description)")
        }
        guard case let .object(members) = json else {
            throw TensorArchiveError.invalidIndex(file: path, detail: "the top level is a \(json.kindName), not an object")
        }
        var weightMap: [String: String]?
        var metadata: [String: String] = [:]
        for (key, value) in members {
            switch key {
            case "weight_map":
                guard weightMap == nil else { throw TensorArchiveError.invalidIndex(file: path, detail: "\"weight_map\" appears twice") }
                guard case let .object(entries) = value else {
                    throw TensorArchiveError.invalidIndex(file: path, detail: "\"weight_map\" is a \(value.kindName), not an object")
                }
                var map: [String: String] = [:]
                for (tensor, shard) in entries {
                    guard case let .string(shardName) = shard else {
                        throw TensorArchiveError.invalidIndex(file: path, detail: "tensor '\(tensor)' maps to a \(shard.kindName), not a file name")
                    }
                    guard map[tensor] == nil else {
                        throw TensorArchiveError.invalidIndex(file: path, detail: "tensor '\(tensor)' is listed twice")
                    }
                    guard Self.isPlainFileName(shardName) else {
                        throw TensorArchiveError.invalidIndex(
                            file: path, detail: "tensor '\(tensor)' maps to '\(shardName)', which is not a file name in the index's folder")
                    }
                    map[tensor] = shardName
                }
                weightMap = map
            case "metadata":
                guard case let .object(entries) = value else { continue }
                for (name, item) in entries {
                    switch item {
                    case let .string(text): metadata[name] = text
                    case let .number(text): metadata[name] = text
                    case let .bool(flag): metadata[name] = String(flag)
                    default: continue
                    }
                }
            default:
                continue
            }
        }
        guard let weightMap else {
            throw TensorArchiveError.invalidIndex(file: path, detail: "it has no \"weight_map\" object")
        }
        self.weightMap = weightMap
        self.metadata = metadata
    }

    /// Whether `name` is a bare file name (no folder part, not `.` or `..`).
    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\\") && !name.contains("\0")
    }
}
