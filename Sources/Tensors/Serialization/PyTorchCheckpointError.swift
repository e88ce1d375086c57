import Foundation

/// Why a PyTorch checkpoint (`torch.save` output) could not be read. Each message names
/// the file and what to do about it.
public enum PyTorchCheckpointError: Error, Equatable, LocalizedError, CustomStringConvertible {
    /// The file could not be opened or mapped.
    case unreadable(file: String, reason: String)
    /// Neither a zip archive nor a legacy checkpoint (by its leading bytes).
    case notACheckpoint(file: String, detail: String)
    /// The file ends before the structure it announces.
    case truncated(file: String, detail: String)
    /// The zip directory or one of its records is malformed.
    case invalidZip(file: String, detail: String)
    /// A zip entry uses compression; torch.save writes entries stored (uncompressed).
    case compressedEntry(file: String, entry: String, method: Int)
    /// The pickle names a Python global outside the allow-list; it is never imported or run.
    case disallowedGlobal(file: String, global: String)
    /// The pickle uses an opcode this reader does not implement.
    case unsupportedOpcode(file: String, opcode: UInt8, offset: Int)
    /// The pickle is structurally invalid (stack underflow, bad argument, unknown memo key...).
    case invalidPickle(file: String, detail: String)
    /// A tensor's storage, dtype, shape or strides are inconsistent.
    case invalidTensor(file: String, detail: String)
    /// The checkpoint was written on a big-endian machine.
    case bigEndian(file: String)
    /// No state dict (mapping of names to tensors) was found.
    case noStateDict(file: String, detail: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read (\(reason)). Check that the path exists and is readable."
        case let .notACheckpoint(file, detail):
            return "\(file): not a PyTorch checkpoint (\(detail)). Expected the output of torch.save (zip or legacy format)."
        case let .truncated(file, detail):
            return "\(file): the file is truncated (\(detail)). Download or save it again."
        case let .invalidZip(file, detail):
            return "\(file): invalid zip archive (\(detail)). The file is corrupt; download or save it again."
        case let .compressedEntry(file, entry, method):
            return "\(file): zip entry '\(entry)' is compressed (method \(method)); only stored entries are supported, as torch.save writes them. "
                + "Re-save it with torch.save, or unzip and re-zip it with `zip -0`."
        case let .disallowedGlobal(file, global):
            return "\(file): the pickle refers to the Python global '\(global)', which is not allowed (it was not run). "
                + "Only tensors, parameters and ordered dicts are read: re-save the weights with torch.save(model.state_dict()) "
                + "or convert them to safetensors."
        case let .unsupportedOpcode(file, opcode, offset):
            return "\(file): pickle opcode 0x\(String(opcode, radix: 16)) at byte \(offset) is not supported by this restricted reader. "
                + "Re-save the weights with torch.save(model.state_dict()) or convert them to safetensors."
        case let .invalidPickle(file, detail):
            return "\(file): invalid pickle data (\(detail)). The file is corrupt; download or save it again."
        case let .invalidTensor(file, detail):
            return "\(file): \(detail). The file is corrupt; download or save it again."
        case let .bigEndian(file):
            return "\(file): the checkpoint was written on a big-endian machine, which is not supported. "
                + "Load and re-save it with torch on a little-endian machine."
        case let .noStateDict(file, detail):
            return "\(file): no state dict found (\(detail)). Save the weights with torch.save(model.state_dict())."
        }
    }

    public var errorDescription: String? { description }
}
