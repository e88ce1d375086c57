/// An 8-bit RGB image: `height` rows of `width` pixels, each pixel three bytes R, G, B
/// (row-major HWC, no padding), as every decoder in this module produces it.
public struct RGBImage: Sendable, Equatable {
    /// Pixels per row.
    public let width: Int
    /// Number of rows.
    public let height: Int
    /// `height * width * 3` bytes: the pixel at column x, row y starts at `(y * width + x) * 3`.
    public let pixels: [UInt8]

    /// An image from its pixels. `pixels.count` must be `width * height * 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3,
                     "RGBImage: \(pixels.count) bytes for \(width)x\(height) RGB")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The R, G, B bytes of the pixel at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8) {
        let offset = (y * width + x) * 3
        return (pixels[offset], pixels[offset + 1], pixels[offset + 2])
    }
}

extension RGBImage {
    /// Composites straight-alpha RGBA pixels on an opaque white background:
    /// `c' = (c * a + 255 * (255 - a) + 127) / 255` in integers (round half up).
    static func compositingOnWhite(width: Int, height: Int, rgba: UnsafeBufferPointer<UInt8>) -> RGBImage {
        let count = width * height
        let pixels = [UInt8](unsafeUninitializedCapacity: count * 3) { output, initialized in
            for index in 0..<count {
                let alpha = UInt32(rgba[index * 4 + 3])
                let background = 255 * (255 - alpha) + 127
                for channel in 0..<3 {
                    output[index * 3 + channel] = UInt8((UInt32(rgba[index * 4 + channel]) * alpha + background) / 255)
                }
            }
            initialized = count * 3
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Converts CMYK pixels to RGB as Pillow does (`R = 255 - K' - C*K'/255` with
    /// `K' = 255 - K`, each product rounded as `MULDIV255`). `inverted` flips every
    /// ink value first (the Adobe APP14 convention, where 0 means full ink).
    static func convertingCMYK(width: Int, height: Int, cmyk: UnsafeBufferPointer<UInt8>, inverted: Bool) -> RGBImage {
        let count = width * height
        let flip: UInt8 = inverted ? 255 : 0
        let pixels = [UInt8](unsafeUninitializedCapacity: count * 3) { output, initialized in
            for index in 0..<count {
                let inverseBlack = 255 - Int(cmyk[index * 4 + 3] ^ flip)
                for channel in 0..<3 {
                    let product = Int(cmyk[index * 4 + channel] ^ flip) * inverseBlack + 128
                    let scaled = ((product >> 8) + product) >> 8
                    output[index * 3 + channel] = UInt8(clamping: inverseBlack - scaled)
                }
            }
            initialized = count * 3
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
