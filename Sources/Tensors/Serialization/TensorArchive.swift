import Foundation

/// A model's named weights, however they are stored: one safetensors file, a sharded
/// checkpoint (`model.safetensors.index.json` + shards), or a PyTorch checkpoint
/// (`pytorch_model.bin`, `.pt`, `.pth`, sharded `.bin` index).
///
/// Opened from a folder laid out as on the Hugging Face hub, it picks, in order:
/// `model.safetensors`, `model.safetensors.index.json`, `pytorch_model.bin`,
/// `pytorch_model.bin.index.json`, then the folder's only `.safetensors` file, then its
/// only `.bin`/`.pt`/`.pth` file. Safetensors tensors are read on demand from mapped files;
/// PyTorch checkpoints are read whole when opened.
///
/// ```swift
/// let weights = try TensorArchive(contentsOf: modelFolder)
/// let embedding = try weights.tensor("embeddings.word_embeddings.weight")
/// ```
public struct TensorArchive: @unchecked Sendable {
    /// Where one tensor lives.
    enum Source {
        case safetensors(SafetensorsFile)
        case loaded(Tensor, SafetensorsDType)
    }

    /// The folder or file the archive was opened from.
    public let location: URL
    /// The weight files read (one, or every shard).
    public let files: [URL]
    /// Tensor names, sorted.
    public let names: [String]
    let sources: [String: Source]

    /// The weight file names tried in a folder, in order.
    public static let standardFileNames = [
        "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json",
    ]

    /// Opens a model folder, a `.index.json`, a `.safetensors` file or a PyTorch checkpoint.
    /// Every shard is opened and checked against the index up front.
    /// - Throws: `TensorArchiveError`, `SafetensorsError` or `PyTorchCheckpointError`.
    public init(contentsOf url: URL) throws {
        location = url
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw TensorArchiveError.unreadable(file: url.path, reason: "no such file or folder")
        }
        let file = isDirectory.boolValue ? try Self.weightFile(in: url) : url
        var sources: [String: Source] = [:]
        var files: [URL] = []
        let name = file.lastPathComponent
        if name.hasSuffix(".index.json") {
            let index = try SafetensorsIndex(contentsOf: file)
            let folder = file.deletingLastPathComponent()
            for shardName in index.shardNames {
                let shardURL = folder.appendingPathComponent(shardName)
                guard FileManager.default.fileExists(atPath: shardURL.path) else {
                    throw TensorArchiveError.missingShard(index: file.path, shard: shardName)
                }
                files.append(shardURL)
                let shard = try Self.open(shardURL)
                for (tensor, shardOfTensor) in index.weightMap where shardOfTensor == shardName {
                    guard let source = shard[tensor] else {
                        throw TensorArchiveError.tensorMissingFromShard(index: file.path, tensor: tensor, shard: shardName)
                    }
                    sources[tensor] = source
                }
            }
        } else {
            files.append(file)
            sources = try Self.open(file)
        }
        self.files = files
        self.sources = sources
        names = sources.keys.sorted()
    }

    /// The shape of tensor `name`, or nil when the archive has no such tensor.
    public func shape(of name: String) -> [Int]? {
        switch sources[name] {
        case let .safetensors(file): return file.shape(of: name)
        case let .loaded(tensor, _): return tensor.shape
        case nil: return nil
        }
    }

    /// The element type tensor `name` is stored as (PyTorch storage types map to their
    /// safetensors equivalents), or nil when the archive has no such tensor.
    public func dtype(of name: String) -> SafetensorsDType? {
        switch sources[name] {
        case let .safetensors(file): return file.dtype(of: name)
        case let .loaded(_, dtype): return dtype
        case nil: return nil
        }
    }

    /// Tensor `name` as Float32.
    /// - Throws: `TensorArchiveError.tensorNotFound` when the archive has no such tensor.
    public func tensor(_ name: String) throws -> Tensor {
        switch sources[name] {
        case let .safetensors(file): return try file.tensor(name)
        case let .loaded(tensor, _): return tensor
        case nil: throw TensorArchiveError.tensorNotFound(archive: location.path, tensor: name, available: names.count)
        }
    }

    /// Every tensor, keyed by name.
    public func tensors() throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        result.reserveCapacity(names.count)
        for name in names { result[name] = try tensor(name) }
        return result
    }

    /// The weight file to read in `folder`.
    static func weightFile(in folder: URL) throws -> URL {
        for name in standardFileNames {
            let candidate = folder.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        let contents: [String]
        do {
            contents = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        } catch {
            throw TensorArchiveError.unreadable(file: folder.path, reason: error.localizedDescription)
        }
        for extensions in [["safetensors"], ["bin", "pt", "pth"]] {
            let candidates = contents.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }
            if candidates.count == 1 { return folder.appendingPathComponent(candidates[0]) }
            if candidates.count > 1 {
                throw TensorArchiveError.ambiguousWeights(directory: folder.path, candidates: candidates)
            }
        }
        throw TensorArchiveError.noWeights(directory: folder.path,
                                           lookedFor: standardFileNames + ["*.safetensors", "*.bin", "*.pt", "*.pth"])
    }

    /// The tensors of one weight file, by name.
    static func open(_ file: URL) throws -> [String: Source] {
        let fileExtension = file.pathExtension.lowercased()
        if fileExtension == "safetensors" {
            let opened = try SafetensorsFile(contentsOf: file)
            return Dictionary(uniqueKeysWithValues: opened.names.map { ($0, Source.safetensors(opened)) })
        }
        if ["bin", "pt", "pth", "ckpt"].contains(fileExtension) {
            let loaded = try PyTorchCheckpoint.loadWithStoredTypes(file)
            return loaded.mapValues { Source.loaded($0.tensor, $0.dtype) }
        }
        throw TensorArchiveError.unknownFormat(file: file.path)
    }
}
