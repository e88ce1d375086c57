/// An encoded image format, recognised from the file's leading bytes ("magic
/// numbers"), never from its name.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png, gif, webp, bmp

    /// The format's usual name, for messages.
    public var name: String {
        switch self {
        case .jpeg: return "JPEG"
        case .png: return "PNG"
        case .gif: return "GIF"
        case .webp: return "WebP"
        case .bmp: return "BMP"
        }
    }

    /// The format whose signature `bytes` start with, or `nil`:
    /// JPEG `FF D8 FF`, PNG `89 50 4E 47 0D 0A 1A 0A`, GIF `GIF87a`/`GIF89a`,
    /// WebP `RIFF....WEBP`, BMP `BM`.
    public init?<Bytes: Collection>(sniffing bytes: Bytes) where Bytes.Element == UInt8, Bytes.Index == Int {
        func matches(_ signature: [UInt8], at offset: Int = 0) -> Bool {
            guard bytes.count >= offset + signature.count else { return false }
            let start = bytes.startIndex + offset
            return signature.indices.allSatisfy { bytes[start + $0] == signature[$0] }
        }
        if matches([0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if matches([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if matches(Array("GIF87a".utf8)) || matches(Array("GIF89a".utf8)) {
            self = .gif
        } else if matches(Array("RIFF".utf8)) && matches(Array("WEBP".utf8), at: 8) {
            self = .webp
        } else if matches(Array("BM".utf8)) {
            self = .bmp
        } else {
            return nil
        }
    }
}
