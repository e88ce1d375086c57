import Foundation
import NeuralNetwork
import Tensors

/// A model directory laid out as the Hugging Face hub stores it: `config.json`, the
/// weights (`model.safetensors`, shards listed by `model.safetensors.index.json`, or a
/// PyTorch `pytorch_model.bin`), and the tokenizer files (`tokenizer.json`, `vocab.txt`, `vocab.json`, `merges.txt`).
///
/// ```swift
/// let directory = try HuggingFaceDirectory(URL(fileURLWithPath: "all-MiniLM-L6-v2"))
/// let config = try directory.decodeJSON(BertConfig.self, file: "config.json")
/// let weights = try directory.weights().scope(renaming: BertModel.checkpointRenames)
/// ```
public struct HuggingFaceDirectory: Sendable {
    /// The directory.
    public let url: URL

    /// Opens `url`, which must be an existing directory.
    /// - Throws: `HuggingFaceDirectoryError.notADirectory`.
    public init(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw HuggingFaceDirectoryError.notADirectory(path: url.path)
        }
        self.url = url
    }

    /// The URL of `file` inside the directory (whether or not it exists).
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Whether `name` exists in the directory.
    public func contains(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name).path) }

    /// The URL of `name`, which must exist.
    /// - Throws: `HuggingFaceDirectoryError.missingFile` saying what the file is for.
    public func requiredFile(_ name: String, purpose: String) throws -> URL {
        guard contains(name) else {
            throw HuggingFaceDirectoryError.missingFile(directory: url.path, file: name, purpose: purpose)
        }
        return file(name)
    }

    /// `file` (default `config.json`) decoded as `type`.
    /// - Throws: `HuggingFaceDirectoryError.missingFile` or `.malformedFile` naming the file.
    public func decodeJSON<T: Decodable>(_ type: T.Type, file name: String = "config.json") throws -> T {
        let location = try requiredFile(name, purpose: "the model configuration")
        let data: Data
        do {
            data = try Data(contentsOf: location)
        } catch {
            throw HuggingFaceDirectoryError.malformedFile(path: location.path, detail: "cannot be read (\(error.localizedDescription))")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
                let DecodingError.keyNotFound(_, context), let DecodingError.dataCorrupted(context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw HuggingFaceDirectoryError.malformedFile(
                path: location.path, detail: (path.isEmpty ? "" : "at \(path): ") + context.debugDescription)
        } catch {
            throw HuggingFaceDirectoryError.malformedFile(path: location.path, detail: "\(error)")
        }
    }

    /// The weights, as `TensorArchive` finds them in the directory: `model.safetensors`,
    /// the shards `model.safetensors.index.json` lists, `pytorch_model.bin` (or its index),
    /// else the folder's only safetensors or PyTorch checkpoint file.
    /// - Throws: `TensorArchiveError` (no weights, a missing shard, …), `SafetensorsError`
    ///   or `PyTorchCheckpointError`, each naming the file.
    public func weights() throws -> TensorArchive {
        try TensorArchive(contentsOf: url)
    }

    /// The tokenizer files present in the directory (nil where absent).
    public var tokenizerFiles: TokenizerFiles {
        func present(_ name: String) -> URL? { contains(name) ? file(name) : nil }
        return TokenizerFiles(tokenizerJSON: present("tokenizer.json"), vocabularyText: present("vocab.txt"),
                              vocabularyJSON: present("vocab.json"), merges: present("merges.txt"),
                              tokenizerConfig: present("tokenizer_config.json"))
    }

    /// The files a tokenizer may be read from.
    public struct TokenizerFiles: Sendable, Equatable {
        /// `tokenizer.json` (the fast-tokenizer file).
        public var tokenizerJSON: URL?
        /// `vocab.txt` (WordPiece).
        public var vocabularyText: URL?
        /// `vocab.json` (byte-level BPE).
        public var vocabularyJSON: URL?
        /// `merges.txt` (byte-level BPE).
        public var merges: URL?
        /// `tokenizer_config.json`.
        public var tokenizerConfig: URL?
    }

}

extension TensorArchive {
    /// A `WeightScope` over the archive's tensors under the names `rules` give them;
    /// safetensors tensors are read from the mapped files when a layer asks for them.
    /// - Throws: `HuggingFaceDirectoryError.conflictingKeys` when two tensors get one name.
    public func scope(renaming rules: [KeyRename] = []) throws -> WeightScope {
        var original: [String: String] = [:]
        for name in names {
            let renamed = KeyRename.apply(rules, to: name)
            if let earlier = original[renamed] {
                throw HuggingFaceDirectoryError.conflictingKeys(key: renamed, first: earlier, second: name)
            }
            original[renamed] = name
        }
        let lookup = original
        return WeightScope(keys: Array(lookup.keys)) { key in
            guard let name = lookup[key] else { return nil }
            return try tensor(name)
        }
    }
}

/// One rule of a declarative checkpoint-key rename table; a table applies its rules in
/// order, each to the result of the previous one.
public enum KeyRename: Sendable, Equatable {
    /// Removes `prefix` from keys that start with it (`bert.` of task-model checkpoints).
    case dropPrefix(String)
    /// Replaces the ending `suffix` by `replacement` (`.gamma` → `.weight`).
    case replaceSuffix(String, with: String)

    /// `key` after this rule.
    public func apply(to key: String) -> String {
        switch self {
        case let .dropPrefix(prefix):
            return key.hasPrefix(prefix) ? String(key.dropFirst(prefix.count)) : key
        case let .replaceSuffix(suffix, replacement):
            return key.hasSuffix(suffix) ? String(key.dropLast(suffix.count)) + replacement : key
        }
    }

    /// `key` after every rule of `table`, in order.
    public static func apply(_ table: [KeyRename], to key: String) -> String {
        table.reduce(key) { $1.apply(to: $0) }
    }
}

/// Why a model directory could not be read. Each message names the path and the fix.
public enum HuggingFaceDirectoryError: Error, Equatable, CustomStringConvertible {
    /// The path does not exist or is not a directory.
    case notADirectory(path: String)
    /// A file the model needs is absent.
    case missingFile(directory: String, file: String, purpose: String)
    /// A file exists but cannot be used.
    case malformedFile(path: String, detail: String)
    /// Two checkpoint tensors map to one name after renaming.
    case conflictingKeys(key: String, first: String, second: String)

    public var description: String {
        switch self {
        case let .notADirectory(path):
            return "model directory \(path) does not exist or is not a directory; "
                + "pass the folder holding config.json and model.safetensors (run `make weights` for the bundled models)"
        case let .missingFile(directory, file, purpose):
            return "\(directory) has no \(file) (\(purpose)); download the complete model folder from the Hugging Face hub"
        case let .malformedFile(path, detail):
            return "\(path) cannot be used: \(detail)"
        case let .conflictingKeys(key, first, second):
            return "checkpoint tensors '\(first)' and '\(second)' both become '\(key)' after renaming; the checkpoint mixes two models"
        }
    }
}
