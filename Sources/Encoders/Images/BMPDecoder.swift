/// Windows bitmap reader: uncompressed (BI_RGB) 1/4/8-bit palette, 24-bit BGR and
/// 32-bit BGRX images, bottom-up (positive height) or top-down (negative height),
/// with the OS/2 core header or any BITMAPINFOHEADER version. The fourth byte of a
/// 32-bit BI_RGB pixel is reserved by the format and ignored, as Pillow does.
/// Compressed (RLE, bit-field, embedded JPEG/PNG) bitmaps are unsupported variants.
struct BMPDecoder {
    let bytes: [UInt8]
    let name: String
    let maximumPixelCount: Int

    func decode() throws -> RGBImage {
        func corrupt(_ detail: String) -> ImageDecodingError {
            .corruptData(file: name, format: .bmp, detail: detail)
        }
        guard bytes.count >= 26 else {
            throw ImageDecodingError.truncated(file: name, format: .bmp, detail: "only \(bytes.count) bytes, shorter than the headers")
        }
        let pixelOffset = readUInt32(10)
        let headerSize = readUInt32(14)
        let width: Int, signedHeight: Int, bitsPerPixel: Int, compression: Int, colorsUsed: Int, paletteEntrySize: Int
        if headerSize == 12 {
            width = readUInt16(18)
            signedHeight = Int(Int16(bitPattern: UInt16(readUInt16(20))))
            bitsPerPixel = readUInt16(24)
            compression = 0
            colorsUsed = 0
            paletteEntrySize = 3
        } else if headerSize >= 40 {
            guard bytes.count >= 14 + 40 else {
                throw ImageDecodingError.truncated(file: name, format: .bmp, detail: "the info header is cut short")
            }
            width = Int(Int32(bitPattern: UInt32(readUInt32(18))))
            signedHeight = Int(Int32(bitPattern: UInt32(readUInt32(22))))
            bitsPerPixel = readUInt16(28)
            compression = readUInt32(30)
            colorsUsed = readUInt32(46)
            paletteEntrySize = 4
        } else {
            throw corrupt("info header size \(headerSize)")
        }
        let height = abs(signedHeight)
        let topDown = signedHeight < 0
        guard width > 0, height > 0 else { throw corrupt("the header gives a size of \(width)x\(signedHeight)") }
        guard width * height <= maximumPixelCount else {
            throw ImageDecodingError.tooManyPixels(file: name, width: width, height: height, limit: maximumPixelCount)
        }
        guard compression == 0 else {
            throw ImageDecodingError.unsupportedVariant(file: name, format: .bmp, detail: "compression method \(compression)")
        }
        guard [1, 4, 8, 24, 32].contains(bitsPerPixel) else {
            throw ImageDecodingError.unsupportedVariant(file: name, format: .bmp, detail: "\(bitsPerPixel) bits per pixel")
        }

        var palette: [UInt8] = []
        if bitsPerPixel <= 8 {
            let maximumEntries = 1 << bitsPerPixel
            let entries = colorsUsed > 0 && colorsUsed <= maximumEntries ? colorsUsed : maximumEntries
            let paletteStart = 14 + headerSize
            palette = [UInt8](repeating: 0, count: maximumEntries * 3)
            for index in 0..<entries {
                let entry = paletteStart + index * paletteEntrySize
                guard entry + 3 <= bytes.count else {
                    throw ImageDecodingError.truncated(file: name, format: .bmp, detail: "the colour table is cut short")
                }
                palette[index * 3] = bytes[entry + 2]
                palette[index * 3 + 1] = bytes[entry + 1]
                palette[index * 3 + 2] = bytes[entry]
            }
        }

        let rowStride = (bitsPerPixel * width + 31) / 32 * 4
        guard pixelOffset >= 14 + headerSize, pixelOffset <= bytes.count else {
            throw corrupt("pixel data offset \(pixelOffset) outside the file")
        }
        guard bytes.count - pixelOffset >= rowStride * height else {
            throw ImageDecodingError.truncated(
                file: name, format: .bmp,
                detail: "\(bytes.count - pixelOffset) bytes of pixel data, \(rowStride * height) needed")
        }

        let pixels = [UInt8](unsafeUninitializedCapacity: width * height * 3) { output, initialized in
            bytes.withUnsafeBufferPointer { input in
                for y in 0..<height {
                    let storedRow = topDown ? y : height - 1 - y
                    let row = pixelOffset + storedRow * rowStride
                    let out = y * width * 3
                    switch bitsPerPixel {
                    case 24, 32:
                        let step = bitsPerPixel / 8
                        for x in 0..<width {
                            let source = row + x * step
                            output[out + x * 3] = input[source + 2]
                            output[out + x * 3 + 1] = input[source + 1]
                            output[out + x * 3 + 2] = input[source]
                        }
                    default:
                        let mask = (1 << bitsPerPixel) - 1
                        for x in 0..<width {
                            let bit = x * bitsPerPixel
                            let byte = Int(input[row + bit / 8])
                            let index = (byte >> (8 - bitsPerPixel - bit % 8)) & mask
                            output[out + x * 3] = palette[index * 3]
                            output[out + x * 3 + 1] = palette[index * 3 + 1]
                            output[out + x * 3 + 2] = palette[index * 3 + 2]
                        }
                    }
                }
            }
            initialized = width * height * 3
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    func readUInt16(_ offset: Int) -> Int {
        Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
    }

    func readUInt32(_ offset: Int) -> Int {
        readUInt16(offset) | readUInt16(offset + 2) << 16
    }
}
