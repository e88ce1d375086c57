import Foundation

/// Why a model's weights (a folder, a sharded index or a weight file) could not be opened.
/// Errors inside one safetensors file surface as `SafetensorsError`, and inside a PyTorch
/// checkpoint as `PyTorchCheckpointError`.
public enum TensorArchiveError: Error, Equatable, LocalizedError, CustomStringConvertible {
    /// A file could not be read.
    case unreadable(file: String, reason: String)
    /// The folder holds no weight file this reader knows.
    case noWeights(directory: String, lookedFor: [String])
    /// The folder holds several candidate weight files and none of the standard names.
    case ambiguousWeights(directory: String, candidates: [String])
    /// The file's name does not say which format it is in.
    case unknownFormat(file: String)
    /// The sharded index is malformed.
    case invalidIndex(file: String, detail: String)
    /// A shard the index names is not in the index's folder.
    case missingShard(index: String, shard: String)
    /// The index maps a tensor to a shard that does not hold it.
    case tensorMissingFromShard(index: String, tensor: String, shard: String)
    /// No tensor of that name is in the archive.
    case tensorNotFound(archive: String, tensor: String, available: Int)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read (\(reason)). Check that the path exists and is readable."
        case let .noWeights(directory, lookedFor):
            return "\(directory): no weights found (looked for \(lookedFor.joined(separator: ", "))). "
                + "Point at the folder that holds the model's weight files, or at the weight file itself."
        case let .ambiguousWeights(directory, candidates):
            return "\(directory): several weight files (\(candidates.joined(separator: ", "))) and no model.safetensors or index. "
                + "Point at the weight file to use."
        case let .unknownFormat(file):
            return "\(file): unknown weight format; expected .safetensors, .index.json, or a PyTorch .bin/.pt/.pth/.ckpt file."
        case let .invalidIndex(file, detail):
            return "\(file): invalid sharded-checkpoint index: \(detail). Download the model's index file again."
        case let .missingShard(index, shard):
            return "\(index): shard '\(shard)' is missing from the index's folder. Download every shard the index lists."
        case let .tensorMissingFromShard(index, tensor, shard):
            return "\(index): tensor '\(tensor)' is listed in shard '\(shard)' but that shard does not hold it. "
                + "The download is incomplete or mixes two versions; download the model again."
        case let .tensorNotFound(archive, tensor, available):
            return "\(archive): no tensor named '\(tensor)' among its \(available) tensors. Check the name or the checkpoint."
        }
    }

    public var errorDescription: String? { description }
}
