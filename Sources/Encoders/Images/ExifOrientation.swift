/// The EXIF Orientation tag (0x0112): how the stored pixels must be flipped or
/// rotated for display. Raw values 1-8; transforms as Pillow's `ImageOps.exif_transpose`.
public enum ExifOrientation: Int, Sendable {
    /// 1: stored as displayed.
    case up = 1
    /// 2: mirrored left-right.
    case upMirrored = 2
    /// 3: rotated 180 degrees.
    case down = 3
    /// 4: mirrored top-bottom.
    case downMirrored = 4
    /// 5: transposed (mirrored across the main diagonal).
    case leftMirrored = 5
    /// 6: needs a 90-degree clockwise turn.
    case right = 6
    /// 7: transversed (mirrored across the anti-diagonal).
    case rightMirrored = 7
    /// 8: needs a 90-degree counter-clockwise turn.
    case left = 8

    /// The orientation in the first APP1 "Exif" segment of a JPEG, read from IFD0;
    /// `nil` when there is none or it is malformed or out of range.
    public init?(jpeg bytes: [UInt8]) {
        guard let value = Self.readOrientationTag(jpeg: bytes), let orientation = ExifOrientation(rawValue: value) else {
            return nil
        }
        self = orientation
    }

    /// Walks the JPEG marker segments up to the first scan; every read is bounds-checked.
    static func readOrientationTag(jpeg bytes: [UInt8]) -> Int? {
        var offset = 2
        while offset + 4 <= bytes.count {
            guard bytes[offset] == 0xFF else { return nil }
            let marker = bytes[offset + 1]
            if marker == 0xFF { offset += 1; continue }
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { offset += 2; continue }
            if marker == 0xDA || marker == 0xD9 { return nil }
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= bytes.count else { return nil }
            let segment = (offset + 4)..<(offset + 2 + length)
            if marker == 0xE1, segment.count >= 14,
               Array(bytes[segment.lowerBound..<(segment.lowerBound + 6)]) == [0x45, 0x78, 0x69, 0x66, 0, 0] {
                return readTIFFOrientation(bytes, tiffStart: segment.lowerBound + 6, end: segment.upperBound)
            }
            offset += 2 + length
        }
        return nil
    }

    /// Reads tag 0x0112 (type SHORT) from IFD0 of the TIFF structure at `tiffStart..<end`.
    static func readTIFFOrientation(_ bytes: [UInt8], tiffStart: Int, end: Int) -> Int? {
        let littleEndian: Bool
        switch (bytes[tiffStart], bytes[tiffStart + 1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        func read16(_ at: Int) -> Int? {
            guard at >= tiffStart, at + 2 <= end else { return nil }
            let (a, b) = (Int(bytes[at]), Int(bytes[at + 1]))
            return littleEndian ? a | b << 8 : a << 8 | b
        }
        func read32(_ at: Int) -> Int? {
            guard let low = read16(littleEndian ? at : at + 2), let high = read16(littleEndian ? at + 2 : at) else { return nil }
            return high << 16 | low
        }
        guard read16(tiffStart + 2) == 42, let ifdOffset = read32(tiffStart + 4),
              let entryCount = read16(tiffStart + ifdOffset) else { return nil }
        let entries = tiffStart + ifdOffset + 2
        for index in 0..<entryCount {
            let entry = entries + index * 12
            guard let tag = read16(entry) else { return nil }
            if tag == 0x0112 {
                guard read16(entry + 2) == 3, let value = read16(entry + 8) else { return nil }
                return value
            }
        }
        return nil
    }
}

extension RGBImage {
    /// The image as displayed under `orientation`: width and height swap for 5-8.
    public func applying(_ orientation: ExifOrientation) -> RGBImage {
        if orientation == .up { return self }
        let swapsAxes = orientation.rawValue >= 5
        let outputWidth = swapsAxes ? height : width
        let outputHeight = swapsAxes ? width : height
        let (inputWidth, inputHeight) = (width, height)
        let output = [UInt8](unsafeUninitializedCapacity: pixels.count) { buffer, initialized in
            pixels.withUnsafeBufferPointer { input in
                for y in 0..<outputHeight {
                    for x in 0..<outputWidth {
                        // The stored pixel shown at display position (x, y).
                        let (sourceX, sourceY): (Int, Int)
                        switch orientation {
                        case .up: (sourceX, sourceY) = (x, y)
                        case .upMirrored: (sourceX, sourceY) = (inputWidth - 1 - x, y)
                        case .down: (sourceX, sourceY) = (inputWidth - 1 - x, inputHeight - 1 - y)
                        case .downMirrored: (sourceX, sourceY) = (x, inputHeight - 1 - y)
                        case .leftMirrored: (sourceX, sourceY) = (y, x)
                        case .right: (sourceX, sourceY) = (y, inputHeight - 1 - x)
                        case .rightMirrored: (sourceX, sourceY) = (inputWidth - 1 - y, inputHeight - 1 - x)
                        case .left: (sourceX, sourceY) = (inputWidth - 1 - y, x)
                        }
                        let source = (sourceY * inputWidth + sourceX) * 3
                        let destination = (y * outputWidth + x) * 3
                        buffer[destination] = input[source]
                        buffer[destination + 1] = input[source + 1]
                        buffer[destination + 2] = input[source + 2]
                    }
                }
            }
            initialized = pixels.count
        }
        return RGBImage(width: outputWidth, height: outputHeight, pixels: output)
    }
}
