import CImageSupport
import Foundation

/// Decodes JPEG, PNG, GIF (first frame), WebP and BMP files into `RGBImage`s.
///
/// The format comes from the leading bytes, never from the file name. The decoded
/// image is what Pillow gives for `ImageOps.exif_transpose(image).convert("RGB")`,
/// with any alpha composited on white:
/// - JPEG (libjpeg-turbo): baseline, progressive, grayscale, CMYK and YCCK (inverted
///   when an Adobe APP14 marker is present), with the EXIF orientation (1-8) applied.
/// - PNG (libpng): every colour type and bit depth; 16-bit samples keep their high byte.
/// - GIF (giflib): the first frame; its transparent index is white.
/// - WebP (libwebp): lossy, lossless, alpha, and the first frame of an animation.
/// - BMP (own parser): uncompressed 1/4/8-bit palette, 24- and 32-bit, bottom-up or top-down.
///
/// The width and height are read from the header and checked against
/// `maximumPixelCount` before any pixel memory is allocated. Failures throw
/// `ImageDecodingError`, naming the file and the reason; corrupt input never crashes
/// or exits the process.
///
/// ```swift
/// let image = try ImageDecoder().decode(contentsOf: URL(fileURLWithPath: "post.jpg"))
/// ```
public struct ImageDecoder: Sendable {
    /// Pillow's decompression-bomb threshold, `2^30 / 4 / 3` = 89,478,485 pixels (about
    /// 9459 x 9459; 268 MB as RGB). Pillow only warns above it; this decoder refuses.
    public static let defaultMaximumPixelCount = 89_478_485

    /// Images whose header declares more pixels than this are rejected before decoding.
    public var maximumPixelCount: Int

    /// A decoder that refuses images over `maximumPixelCount` pixels.
    public init(maximumPixelCount: Int = ImageDecoder.defaultMaximumPixelCount) {
        self.maximumPixelCount = maximumPixelCount
    }

    /// Reads and decodes the file at `url`.
    public func decode(contentsOf url: URL) throws -> RGBImage {
        let name = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ImageDecodingError.unreadableFile(file: name, reason: Self.reason(for: error, at: url))
        }
        return try decode([UInt8](data), name: name)
    }

    /// Decodes encoded image bytes; `name` labels the bytes in errors (a path or an id).
    public func decode(_ bytes: [UInt8], name: String) throws -> RGBImage {
        if bytes.isEmpty { throw ImageDecodingError.emptyFile(file: name) }
        guard let format = ImageFormat(sniffing: bytes) else {
            throw ImageDecodingError.unknownFormat(file: name, leadingBytes: Array(bytes.prefix(8)))
        }
        switch format {
        case .jpeg:
            let image = try decodeWithCodec(bytes, name: name, format: format, rgbByteCount: jpegRGBByteCount(bytes),
                                            mmf_decode_jpeg)
            let orientation = ExifOrientation(jpeg: bytes) ?? .up
            return image.applying(orientation)
        case .png:
            return try decodeWithCodec(bytes, name: name, format: format, mmf_decode_png)
        case .gif:
            return try decodeWithCodec(bytes, name: name, format: format, mmf_decode_gif)
        case .webp:
            return try decodeWithCodec(bytes, name: name, format: format, mmf_decode_webp)
        case .bmp:
            return try BMPDecoder(bytes: bytes, name: name, maximumPixelCount: maximumPixelCount).decode()
        }
    }

    /// The signature shared by the C codec wrappers in `CImageSupport`.
    typealias Codec = (UnsafePointer<UInt8>?, Int, UInt64, UnsafeMutablePointer<mmf_decoded_image>?) -> mmf_image_status

    /// The RGB byte count of a JPEG that decodes straight to RGB within the pixel limit,
    /// so its pixels can be written into the result array without a second buffer.
    func jpegRGBByteCount(_ bytes: [UInt8]) -> Int? {
        var width: UInt32 = 0, height: UInt32 = 0, decodesToRGB: Int32 = 0
        let status = bytes.withUnsafeBufferPointer { buffer in
            mmf_probe_jpeg(buffer.baseAddress, buffer.count, &width, &height, &decodesToRGB)
        }
        let pixelCount = Int(width) * Int(height)
        guard status == MMF_IMAGE_OK, decodesToRGB != 0, pixelCount > 0, pixelCount <= maximumPixelCount else { return nil }
        return pixelCount * 3
    }

    /// Runs one C codec and converts its RGB, RGBA (composited on white) or CMYK output.
    /// With `rgbByteCount`, the codec writes RGB output of that size into the result directly.
    func decodeWithCodec(
        _ bytes: [UInt8], name: String, format: ImageFormat, rgbByteCount: Int? = nil, _ codec: Codec
    ) throws -> RGBImage {
        var decoded = mmf_decoded_image()
        let limit = UInt64(max(maximumPixelCount, 0))
        var status = MMF_IMAGE_CORRUPT
        if let rgbByteCount {
            let direct = [UInt8](unsafeUninitializedCapacity: rgbByteCount) { buffer, initialized in
                decoded.destination = buffer.baseAddress
                decoded.destination_capacity = buffer.count
                status = bytes.withUnsafeBufferPointer { input in codec(input.baseAddress, input.count, limit, &decoded) }
                let filled = status == MMF_IMAGE_OK && decoded.layout == MMF_LAYOUT_RGB
                    && decoded.pixels == buffer.baseAddress && Int(decoded.width) * Int(decoded.height) * 3 == rgbByteCount
                initialized = filled ? rgbByteCount : 0
                decoded.destination = nil
                decoded.destination_capacity = 0
            }
            if direct.count == rgbByteCount {
                return RGBImage(width: Int(decoded.width), height: Int(decoded.height), pixels: direct)
            }
            if decoded.owns_pixels == 0 {
                decoded.pixels = nil
                if status == MMF_IMAGE_OK {
                    // Written into the discarded buffer in an unexpected layout: decode again the general way.
                    decoded = mmf_decoded_image()
                    status = bytes.withUnsafeBufferPointer { input in codec(input.baseAddress, input.count, limit, &decoded) }
                }
            }
        } else {
            status = bytes.withUnsafeBufferPointer { buffer in
                codec(buffer.baseAddress, buffer.count, limit, &decoded)
            }
        }
        defer { mmf_image_release(&decoded) }
        let detail = withUnsafeBytes(of: decoded.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let width = Int(decoded.width)
        let height = Int(decoded.height)
        switch status {
        case MMF_IMAGE_OK:
            break
        case MMF_IMAGE_TOO_MANY_PIXELS:
            throw ImageDecodingError.tooManyPixels(file: name, width: width, height: height, limit: maximumPixelCount)
        case MMF_IMAGE_TRUNCATED:
            throw ImageDecodingError.truncated(file: name, format: format, detail: detail)
        case MMF_IMAGE_UNSUPPORTED:
            throw ImageDecodingError.unsupportedVariant(file: name, format: format, detail: detail)
        default:
            throw ImageDecodingError.corruptData(file: name, format: format, detail: detail)
        }
        guard let pixels = decoded.pixels else {
            throw ImageDecodingError.corruptData(file: name, format: format, detail: "the decoder returned no pixels")
        }
        let count = width * height
        switch decoded.layout {
        case MMF_LAYOUT_RGBA:
            return RGBImage.compositingOnWhite(
                width: width, height: height, rgba: UnsafeBufferPointer(start: pixels, count: count * 4))
        case MMF_LAYOUT_CMYK:
            return RGBImage.convertingCMYK(
                width: width, height: height, cmyk: UnsafeBufferPointer(start: pixels, count: count * 4),
                inverted: decoded.adobe_inverted != 0)
        default:
            let rgb = [UInt8](UnsafeBufferPointer(start: pixels, count: count * 3))
            return RGBImage(width: width, height: height, pixels: rgb)
        }
    }

    static func reason(for error: Error, at url: URL) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) { return "no such file" }
        if isDirectory.boolValue { return "it is a directory" }
        return (error as NSError).localizedDescription
    }
}
