import Foundation

/// Why a safetensors file could not be read or written. Each message names the file,
/// the tensor where there is one, and what to do about it.
public enum SafetensorsError: Error, Equatable, LocalizedError, CustomStringConvertible {
    /// The file could not be opened, mapped, created or written.
    case fileAccess(file: String, reason: String)
    /// The file is shorter than the 8-byte header length prefix.
    case fileTooShort(file: String, byteCount: Int)
    /// The header length prefix points past the end of the file (or is implausibly large).
    case headerLengthBeyondFile(file: String, headerLength: UInt64, fileSize: Int)
    /// The header bytes are not valid UTF-8.
    case headerNotUTF8(file: String)
    /// The header is not valid JSON, or not a JSON object of tensor entries.
    case headerNotJSON(file: String, detail: String)
    /// `__metadata__` is not an object of strings.
    case invalidMetadata(file: String, detail: String)
    /// A tensor entry lacks a field or has one of the wrong kind.
    case invalidEntry(file: String, tensor: String, detail: String)
    /// A tensor's dtype is not one this reader knows.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// A tensor's shape holds a negative, fractional or oversized extent.
    case invalidShape(file: String, tensor: String, detail: String)
    /// A tensor's data_offsets are reversed, overlap another tensor, leave a gap, or run
    /// past the data section.
    case invalidOffsets(file: String, tensor: String, detail: String)
    /// A tensor's byte range does not hold shape × dtype size bytes.
    case byteCountMismatch(file: String, tensor: String, expected: Int, actual: Int)
    /// Two header entries share a name.
    case duplicateName(file: String, tensor: String)
    /// No tensor of that name is in the file.
    case tensorNotFound(file: String, tensor: String, available: Int)
    /// A value cannot be stored exactly in the requested output dtype.
    case valueNotRepresentable(tensor: String, dtype: SafetensorsDType, value: Float)
    /// A name or metadata key cannot be written (empty, or the reserved `__metadata__`).
    case invalidName(tensor: String, detail: String)

    public var description: String {
        switch self {
        case let .fileAccess(file, reason):
            return "\(file): \(reason). Check that the path exists and is readable (or its folder writable)."
        case let .fileTooShort(file, byteCount):
            return "\(file): \(byteCount) bytes is too short for a safetensors file (at least 8 bytes of header length). "
                + "The file is truncated or not safetensors; download or export it again."
        case let .headerLengthBeyondFile(file, headerLength, fileSize):
            return "\(file): the header claims \(headerLength) bytes but the file has only \(fileSize) bytes after the 8-byte prefix "
                + "(or the claim exceeds the 100 MB limit). The file is truncated or not safetensors; download or export it again."
        case let .headerNotUTF8(file):
            return "\(file): the header is not valid UTF-8. The file is corrupt or not safetensors; download or export it again."
        case let .headerNotJSON(file, detail):
            return "\(file): the header is not a JSON object of tensor entries (\(detail)). "
                + "The file is corrupt or not safetensors; download or export it again."
        case let .invalidMetadata(file, detail):
            return "\(file): __metadata__ \(detail); it must be an object whose values are all strings. Re-export the file."
        case let .invalidEntry(file, tensor, detail):
            return "\(file): tensor '\(tensor)': \(detail). Each entry needs \"dtype\", \"shape\" and \"data_offsets\"; re-export the file."
        case let .unknownDType(file, tensor, dtype):
            return "\(file): tensor '\(tensor)' has dtype '\(dtype)', which is not supported (supported: \(SafetensorsDType.supportedList)). "
                + "Convert the tensor to one of these, e.g. with torch's .float(), before saving."
        case let .invalidShape(file, tensor, detail):
            return "\(file): tensor '\(tensor)' has an invalid shape: \(detail). Shapes are lists of non-negative integers; re-export the file."
        case let .invalidOffsets(file, tensor, detail):
            return "\(file): tensor '\(tensor)' has invalid data_offsets: \(detail). The file is corrupt or truncated; download or export it again."
        case let .byteCountMismatch(file, tensor, expected, actual):
            return "\(file): tensor '\(tensor)' needs \(expected) bytes for its shape and dtype but its data_offsets span \(actual) bytes. "
                + "The file is corrupt; download or export it again."
        case let .duplicateName(file, tensor):
            return "\(file): tensor '\(tensor)' appears more than once in the header. The file is corrupt; re-export it with unique names."
        case let .tensorNotFound(file, tensor, available):
            return "\(file): no tensor named '\(tensor)' among its \(available) tensors. Check the name (list them with `names`) "
                + "or point at the right checkpoint."
        case let .valueNotRepresentable(tensor, dtype, value):
            return "tensor '\(tensor)': value \(value) cannot be stored exactly as \(dtype.rawValue). "
                + "Round or clamp the tensor first, or save it as F32."
        case let .invalidName(tensor, detail):
            return "tensor name '\(tensor)': \(detail). Rename the tensor before saving."
        }
    }

    public var errorDescription: String? { description }
}
