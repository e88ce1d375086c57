import Foundation
import Testing
@testable import Encoders

/// The fixtures written by Tests/Fixtures/generate/images.py.
enum ImageFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/images")

    struct DecodeCase: Decodable, CustomTestStringConvertible {
        let file: String
        let reference: String
        let width: Int
        let height: Int
        let max_difference: Int
        let mean_difference: Double
        var testDescription: String { file }
    }

    struct PreprocessCase: Decodable, CustomTestStringConvertible {
        let name: String
        let image: String
        let reference: String
        let shape: [Int]
        let configuration: Configuration
        var testDescription: String { name }

        /// A preset name or a preprocessor_config.json object.
        enum Configuration {
            case preset(String)
            case json(Data)
        }

        enum CodingKeys: String, CodingKey { case name, image, reference, shape, config }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            image = try container.decode(String.self, forKey: .image)
            reference = try container.decode(String.self, forKey: .reference)
            shape = try container.decode([Int].self, forKey: .shape)
            if let preset = try? container.decode(String.self, forKey: .config) {
                configuration = .preset(preset)
            } else {
                let object = try container.decode(ImageFixtureJSONValue.self, forKey: .config)
                configuration = .json(try JSONEncoder().encode(object))
            }
        }
    }

    struct Index: Decodable {
        let decode: [DecodeCase]
        let preprocess: [PreprocessCase]
    }

    static let index: Index = {
        do {
            let data = try Data(contentsOf: directory.appendingPathComponent("index.json"))
            return try JSONDecoder().decode(Index.self, from: data)
        } catch {
            Issue.record("cannot read Tests/Fixtures/images/index.json: \(error)")
            return Index(decode: [], preprocess: [])
        }
    }()

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(name))) }

    static func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: url(name))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}

/// Any JSON value, to carry a configuration object through from the index.
enum ImageFixtureJSONValue: Codable {
    case number(Double), integer(Int), string(String), bool(Bool), array([ImageFixtureJSONValue]), object([String: ImageFixtureJSONValue]), null

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([ImageFixtureJSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: ImageFixtureJSONValue].self)) }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }
}

/// Decoded pixels against Pillow's (Tests/Fixtures/generate/images.py). Lossless formats
/// must match exactly; JPEG allows 2 levels per sample and a mean of 0.05 (Pillow bundles
/// libjpeg-turbo 3.x, the system has 2.1.x), lossy WebP the same.
@Suite struct ImageDecoderTests {
    @Test(arguments: ImageFixtures.index.decode)
    func decodedPixelsMatchPillow(_ fixture: ImageFixtures.DecodeCase) throws {
        let image = try ImageDecoder().decode(contentsOf: ImageFixtures.url(fixture.file))
        #expect(image.width == fixture.width)
        #expect(image.height == fixture.height)
        let reference = try ImageFixtures.bytes(fixture.reference)
        try #require(image.pixels.count == reference.count)
        var largest = 0
        var total = 0
        for (ours, theirs) in zip(image.pixels, reference) {
            let difference = abs(Int(ours) - Int(theirs))
            largest = max(largest, difference)
            total += difference
        }
        let mean = Double(total) / Double(reference.count)
        #expect(largest <= fixture.max_difference, "\(fixture.file): max difference \(largest)")
        #expect(mean <= fixture.mean_difference, "\(fixture.file): mean difference \(mean)")
    }

    @Test func fixturesCoverEveryFormat() {
        let formats = Set(ImageFixtures.index.decode.compactMap { fixture in
            (try? ImageFixtures.bytes(fixture.file)).flatMap { ImageFormat(sniffing: $0) }
        })
        #expect(formats == Set(ImageFormat.allCases))
        #expect(ImageFixtures.index.decode.count >= 30)
    }

    @Test func formatComesFromBytesNotName() throws {
        let bytes = try ImageFixtures.bytes("png_named_as.jpg")
        #expect(ImageFormat(sniffing: bytes) == .png)
        #expect(ImageFormat(sniffing: [0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ImageFormat(sniffing: Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)) == .webp)
        #expect(ImageFormat(sniffing: Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVEfmt ".utf8)) == nil)
        #expect(ImageFormat(sniffing: Array("GIF87a".utf8)) == .gif)
        #expect(ImageFormat(sniffing: [0xFF, 0xD8]) == nil)
    }

    @Test func exifOrientationIsReadFromBothByteOrders() throws {
        for orientation in 1...8 {
            let bytes = try ImageFixtures.bytes("jpeg_exif_orientation\(orientation)_61x47.jpg")
            #expect(ExifOrientation(jpeg: bytes)?.rawValue == orientation)
        }
        let bigEndian = try ImageFixtures.bytes("jpeg_exif_big_endian_orientation6_61x47.jpg")
        #expect(ExifOrientation(jpeg: bigEndian) == .right)
        #expect(ExifOrientation(jpeg: try ImageFixtures.bytes("jpeg_baseline_61x47.jpg")) == nil)
    }

    /// A 3x2 image with distinct pixels: each orientation moves them as Pillow's
    /// exif_transpose does (orientation 6 turns clockwise, 8 counter-clockwise).
    @Test func orientationTransformsMovePixels() {
        // Pixel value = 10 * (row + 1) + column; red channel only matters.
        let values: [UInt8] = [10, 11, 12, 20, 21, 22]
        let image = RGBImage(width: 3, height: 2, pixels: values.flatMap { [$0, $0, $0] })
        func reds(_ orientation: ExifOrientation) -> [UInt8] {
            let turned = image.applying(orientation)
            return stride(from: 0, to: turned.pixels.count, by: 3).map { turned.pixels[$0] }
        }
        #expect(reds(.up) == [10, 11, 12, 20, 21, 22])
        #expect(reds(.upMirrored) == [12, 11, 10, 22, 21, 20])
        #expect(reds(.down) == [22, 21, 20, 12, 11, 10])
        #expect(reds(.downMirrored) == [20, 21, 22, 10, 11, 12])
        #expect(reds(.leftMirrored) == [10, 20, 11, 21, 12, 22])
        #expect(reds(.right) == [20, 10, 21, 11, 22, 12])
        #expect(reds(.rightMirrored) == [22, 12, 21, 11, 20, 10])
        #expect(reds(.left) == [12, 22, 11, 21, 10, 20])
        #expect(image.applying(.right).width == 2 && image.applying(.right).height == 3)
    }

    @Test func pixelLimitIsConfigurable() throws {
        let url = ImageFixtures.url("jpeg_baseline_61x47.jpg")
        #expect(throws: ImageDecodingError.tooManyPixels(file: url.path, width: 61, height: 47, limit: 2866)) {
            try ImageDecoder(maximumPixelCount: 2866).decode(contentsOf: url)
        }
        #expect(try ImageDecoder(maximumPixelCount: 2867).decode(contentsOf: url).width == 61)
        for file in ["png_rgb_61x47.png", "gif_plain_61x47.gif", "webp_lossless_61x47.webp", "bmp_24_61x47.bmp"] {
            let path = ImageFixtures.url(file).path
            #expect(throws: ImageDecodingError.tooManyPixels(file: path, width: 61, height: 47, limit: 100)) {
                try ImageDecoder(maximumPixelCount: 100).decode(contentsOf: ImageFixtures.url(file))
            }
        }
    }

    /// Corrupt inputs: each gives its error, whose text names the file and the reason.
    @Test(arguments: [
        ("corrupt_empty.jpg", "empty file (0 bytes)"),
        ("corrupt_text.jpg", "unknown image format (first bytes 3c 68 74 6d 6c 3e 3c 62)"),
        ("corrupt_truncated.jpg", "truncated JPEG file"),
        ("corrupt_truncated_progressive.jpg", "truncated JPEG file"),
        ("corrupt_random_after_jpeg_header.jpg", "corrupt JPEG data"),
        ("corrupt_truncated.png", "truncated PNG file"),
        ("corrupt_crc.png", "corrupt PNG data"),
        ("corrupt_truncated.gif", "truncated GIF file"),
        ("corrupt_truncated.webp", "truncated WebP file"),
        ("corrupt_truncated.bmp", "truncated BMP file"),
        ("bomb_100000x100000.png", "image of 100000x100000 = 10000000000 pixels is over the limit of 89478485 pixels"),
        ("bomb_60000x60000.jpg", "image of 60000x60000 = 3600000000 pixels is over the limit of 89478485 pixels"),
        ("bomb_65535x65535.gif", "image of 65535x65535 = 4294836225 pixels is over the limit of 89478485 pixels"),
        ("bomb_frame_65535x65535.gif", "image of 65535x65535 = 4294836225 pixels is over the limit of 89478485 pixels"),
        ("no_such_file.jpg", "cannot read the file (no such file)"),
    ])
    func corruptFilesGiveTheirError(_ file: String, _ expected: String) {
        let url = ImageFixtures.url(file)
        do {
            let image = try ImageDecoder().decode(contentsOf: url)
            Issue.record("\(file) decoded to \(image.width)x\(image.height) instead of failing")
        } catch let error as ImageDecodingError {
            #expect(error.file == url.path)
            #expect(error.description.hasPrefix(url.path + ": "))
            #expect(error.description.contains(expected), "\(error.description)")
        } catch {
            Issue.record("\(file): unexpected error \(error)")
        }
    }

    /// Every prefix of a valid file of each format fails cleanly or decodes; none crashes.
    @Test func everyTruncationFailsCleanly() throws {
        for file in ["jpeg_baseline_61x47.jpg", "png_palette_trns_61x47.png", "gif_transparent_33x65.gif",
                     "webp_lossy_61x47.webp", "bmp_8_palette_33x65.bmp", "jpeg_cmyk_61x47.jpg"] {
            let bytes = try ImageFixtures.bytes(file)
            var failures = 0
            for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
                do {
                    _ = try ImageDecoder().decode(Array(bytes[0..<length]), name: file)
                } catch is ImageDecodingError {
                    failures += 1
                }
            }
            #expect(failures > 90, "\(file): only \(failures) truncations failed")
        }
    }

    /// Random byte flips in valid files: each decode ends with an image or an error.
    @Test func damagedFilesNeverCrash() throws {
        var generator = ImageDamageGenerator(seed: 7)
        for file in ["jpeg_progressive_240x160.jpg", "png_rgba_33x65.png", "gif_interlaced_61x47.gif",
                     "webp_alpha_lossless_33x65.webp", "jpeg_ycck_61x47.jpg"] {
            let original = try ImageFixtures.bytes(file)
            for _ in 0..<40 {
                var bytes = original
                for _ in 0..<4 {
                    let position = Int(generator.next() % UInt64(bytes.count))
                    bytes[position] = UInt8(truncatingIfNeeded: generator.next())
                }
                if let image = try? ImageDecoder().decode(bytes, name: file) {
                    #expect(image.pixels.count == image.width * image.height * 3)
                }
            }
        }
    }

    /// Headers declaring huge images, built in memory: refused from the header alone.
    @Test func headerBombsInMemoryAreRefused() {
        func littleEndian32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        // WebP lossless (VP8L) header: 16384 x 16384.
        let webp = Array("RIFF".utf8) + littleEndian32(18) + Array("WEBPVP8L".utf8) + littleEndian32(6)
            + [0x2F, 0xFF, 0xFF, 0xFF, 0x0F, 0x00]
        // BMP with BITMAPINFOHEADER: 100000 x 100000 at 24 bits.
        var bmp = Array("BM".utf8) + littleEndian32(54) + littleEndian32(0) + littleEndian32(54)
        bmp += littleEndian32(40) + littleEndian32(100_000) + littleEndian32(100_000) + [1, 0, 24, 0]
        bmp += [UInt8](repeating: 0, count: 24)
        for (bytes, name, side) in [(webp, "bomb.webp", 16384), (bmp, "bomb.bmp", 100_000)] {
            #expect(throws: ImageDecodingError.tooManyPixels(file: name, width: side, height: side, limit: ImageDecoder.defaultMaximumPixelCount)) {
                try ImageDecoder().decode(bytes, name: name)
            }
        }
    }

    /// Decoders keep no shared state: decoding every fixture on several threads at once
    /// gives the same pixels as decoding it alone.
    @Test func concurrentDecodingMatchesSerial() throws {
        let files = ImageFixtures.index.decode.map(\.file)
        let serial = try files.map { try ImageDecoder().decode(contentsOf: ImageFixtures.url($0)) }
        let results = ConcurrentResults(count: files.count * 4)
        DispatchQueue.concurrentPerform(iterations: files.count * 4) { index in
            results.store(index, try? ImageDecoder().decode(contentsOf: ImageFixtures.url(files[index % files.count])))
        }
        for index in 0..<(files.count * 4) {
            #expect(results.value(index) == serial[index % files.count], "\(files[index % files.count])")
        }
    }

    @Test func compositingOnWhiteRoundsToNearest() {
        let rgba: [UInt8] = [0, 100, 255, 0, 0, 100, 255, 128, 0, 100, 255, 255, 10, 20, 30, 1]
        let image = rgba.withUnsafeBufferPointer { RGBImage.compositingOnWhite(width: 4, height: 1, rgba: $0) }
        // (c*a + 255*(255-a)) / 255, rounded: a=0 white, a=128 half way, a=255 unchanged.
        #expect(image.pixels == [255, 255, 255, 127, 177, 255, 0, 100, 255, 254, 254, 254])
    }
}

/// Results written from several threads, each index by one thread.
final class ConcurrentResults: @unchecked Sendable {
    private var images: [RGBImage?]
    private let lock = NSLock()
    init(count: Int) { images = Array(repeating: nil, count: count) }
    func store(_ index: Int, _ image: RGBImage?) { lock.lock(); images[index] = image; lock.unlock() }
    func value(_ index: Int) -> RGBImage? { lock.lock(); defer { lock.unlock() }; return images[index] }
}

/// A small deterministic generator for the damage test (splitmix64).
struct ImageDamageGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
