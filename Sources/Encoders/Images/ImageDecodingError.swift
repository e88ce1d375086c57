/// Why an image could not be decoded. Every case names the file (or the caller's
/// label for in-memory bytes) and its `description` says what to do about it.
public enum ImageDecodingError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read at all (missing, a directory, no permission).
    case unreadableFile(file: String, reason: String)
    /// The file has zero bytes.
    case emptyFile(file: String)
    /// The leading bytes match no supported format (JPEG, PNG, GIF, WebP, BMP).
    case unknownFormat(file: String, leadingBytes: [UInt8])
    /// The data ends before the image does.
    case truncated(file: String, format: ImageFormat, detail: String)
    /// A valid file of a variant this decoder does not handle.
    case unsupportedVariant(file: String, format: ImageFormat, detail: String)
    /// The header declares more pixels than `ImageDecoder.maximumPixelCount`.
    case tooManyPixels(file: String, width: Int, height: Int, limit: Int)
    /// The data is malformed.
    case corruptData(file: String, format: ImageFormat, detail: String)

    /// The file or label the error is about.
    public var file: String {
        switch self {
        case .unreadableFile(let file, _), .emptyFile(let file), .unknownFormat(let file, _),
             .truncated(let file, _, _), .unsupportedVariant(let file, _, _),
             .tooManyPixels(let file, _, _, _), .corruptData(let file, _, _):
            return file
        }
    }

    public var description: String {
        switch self {
        case .unreadableFile(let file, let reason):
            return "\(file): cannot read the file (\(reason)); check the path and its permissions"
        case .emptyFile(let file):
            return "\(file): empty file (0 bytes); the download or copy failed, replace or remove the file"
        case .unknownFormat(let file, let leadingBytes):
            let hex = leadingBytes.map { byte in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined(separator: " ")
            return "\(file): unknown image format (first bytes \(hex)); supported formats are JPEG, PNG, GIF, WebP and BMP"
        case .truncated(let file, let format, let detail):
            return "\(file): truncated \(format.name) file (\(detail)); the file is incomplete, re-download it"
        case .unsupportedVariant(let file, let format, let detail):
            return "\(file): unsupported \(format.name) variant (\(detail)); convert the image to a baseline JPEG or an 8-bit PNG"
        case .tooManyPixels(let file, let width, let height, let limit):
            return "\(file): image of \(width)x\(height) = \(width * height) pixels is over the limit of \(limit) pixels; "
                + "downscale it, or raise ImageDecoder.maximumPixelCount if the file is trusted"
        case .corruptData(let file, let format, let detail):
            return "\(file): corrupt \(format.name) data (\(detail)); the file is damaged, replace or remove it"
        }
    }
}
