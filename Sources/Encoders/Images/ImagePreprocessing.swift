import Dispatch
import Foundation
import Tensors

/// Turns decoded images into normalised Float32 tensors the way a vision encoder's
/// training pipeline did: resize, center crop, rescale, normalise.
///
/// For each image: resize (shortest edge to `size.shortestEdge`, the long edge
/// `floor(shortestEdge * long / short)`, or to an exact height x width) with Pillow's
/// resampling `resample`; crop the center `cropSize` (zero pixels where the image is
/// smaller); then per channel `c`, `x = (byte * rescaleFactor - mean[c]) / std[c]`.
/// The result is a `[3, H, W]` tensor (CHW), or `[N, 3, H, W]` for a batch.
///
/// Two presets reproduce the common pipelines byte for byte in the resize:
/// - `.imagenet`: torchvision `Resize(256)` (bilinear, antialiased), `CenterCrop(224)`,
///   `ToTensor()`, `Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])`.
/// - `.clip`: Hugging Face `CLIPImageProcessor` (bicubic to shortest edge 224, center crop
///   224, rescale 1/255, normalise with OpenAI CLIP's mean and std).
///
/// Any Hugging Face `preprocessor_config.json` with the keys below decodes into this type
/// (`ImagePreprocessing(contentsOf:)`): `do_resize`, `size` (`{"shortest_edge": n}`,
/// `{"height": h, "width": w}` or a bare integer meaning the shortest edge), `resample`,
/// `do_center_crop`, `crop_size`, `do_rescale`, `rescale_factor`, `do_normalize`,
/// `image_mean`, `image_std`, `do_convert_rgb`, and `crop_pct` as `ConvNextImageProcessor`
/// reads it (Hugging Face ResNet and ConvNeXt checkpoints: below 384 pixels, resize the
/// shortest edge to `int(edge / crop_pct)` and crop `edge` x `edge`). Missing keys take
/// `CLIPImageProcessor`'s defaults. Decoded images are always RGB, so `do_convert_rgb` is
/// recorded only.
public struct ImagePreprocessing: Codable, Sendable, Equatable {
    /// The target of the resize step.
    public enum Size: Codable, Sendable, Equatable {
        /// Scale so the shorter side becomes this many pixels, keeping the aspect ratio.
        case shortestEdge(Int)
        /// Scale to exactly this height and width.
        case exact(height: Int, width: Int)
    }

    /// How the crop offset `(imageExtent - cropExtent) / 2` is rounded.
    public enum CropRounding: String, Codable, Sendable {
        /// Python's `round`, half to even (torchvision `CenterCrop`); padding goes
        /// `floor(d / 2)` before the image.
        case halfToEven = "half_to_even"
        /// Floor division (Hugging Face `center_crop`), also for the padding.
        case floor
    }

    /// Whether to resize (`do_resize`).
    public var resizes: Bool
    /// Resize target (`size`).
    public var size: Size
    /// Resampling filter for the resize (`resample`).
    public var resample: ResamplingFilter
    /// Whether to crop the center (`do_center_crop`).
    public var centerCrops: Bool
    /// Crop height and width (`crop_size`).
    public var cropHeight: Int
    public var cropWidth: Int
    /// Rounding of the crop offset (`center_crop_rounding`; not a Hugging Face key).
    public var cropRounding: CropRounding
    /// Whether to multiply the bytes by `rescaleFactor` (`do_rescale`).
    public var rescales: Bool
    /// Usually 1/255 (`rescale_factor`).
    public var rescaleFactor: Double
    /// Whether to normalise with `mean` and `standardDeviation` (`do_normalize`).
    public var normalizes: Bool
    /// Per-channel R, G, B mean (`image_mean`).
    public var mean: [Float]
    /// Per-channel R, G, B standard deviation (`image_std`).
    public var standardDeviation: [Float]
    /// Recorded from `do_convert_rgb`; decoded images are always RGB.
    public var convertsToRGB: Bool

    /// A pipeline from its parts; see the type's documentation for each step.
    public init(
        resizes: Bool = true, size: Size, resample: ResamplingFilter,
        centerCrops: Bool = true, cropHeight: Int, cropWidth: Int, cropRounding: CropRounding = .floor,
        rescales: Bool = true, rescaleFactor: Double = 1.0 / 255.0,
        normalizes: Bool = true, mean: [Float], standardDeviation: [Float], convertsToRGB: Bool = true
    ) {
        self.resizes = resizes
        self.size = size
        self.resample = resample
        self.centerCrops = centerCrops
        self.cropHeight = cropHeight
        self.cropWidth = cropWidth
        self.cropRounding = cropRounding
        self.rescales = rescales
        self.rescaleFactor = rescaleFactor
        self.normalizes = normalizes
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.convertsToRGB = convertsToRGB
    }

    /// torchvision's ImageNet evaluation transform: `Resize(256)` bilinear,
    /// `CenterCrop(224)`, `ToTensor()`, `Normalize(IMAGENET mean, std)`.
    public static let imagenet = ImagePreprocessing(
        size: .shortestEdge(256), resample: .bilinear, cropHeight: 224, cropWidth: 224, cropRounding: .halfToEven,
        mean: [0.485, 0.456, 0.406], standardDeviation: [0.229, 0.224, 0.225])

    /// Hugging Face `CLIPImageProcessor` for ViT-B/32 and ViT-B/16 at 224 pixels.
    public static let clip = ImagePreprocessing(
        size: .shortestEdge(224), resample: .bicubic, cropHeight: 224, cropWidth: 224, cropRounding: .floor,
        mean: [0.48145466, 0.4578275, 0.40821073], standardDeviation: [0.26862954, 0.26130258, 0.27577711])

    /// Reads a Hugging Face `preprocessor_config.json`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ImagePreprocessingError.invalidConfiguration(file: url.path, detail: "cannot read the file: \(error.localizedDescription)")
        }
        do {
            self = try JSONDecoder().decode(ImagePreprocessing.self, from: data)
        } catch let error as ImagePreprocessingError {
            if case .invalidConfiguration(_, let detail) = error {
                throw ImagePreprocessingError.invalidConfiguration(file: url.path, detail: detail)
            }
            throw error
        } catch {
            throw ImagePreprocessingError.invalidConfiguration(file: url.path, detail: Self.describe(error))
        }
    }

    /// Width and height after the resize step, for an input of `width` x `height`.
    public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        guard resizes else { return (width, height) }
        switch size {
        case .exact(let targetHeight, let targetWidth):
            return (targetWidth, targetHeight)
        case .shortestEdge(let edge):
            // As torchvision and transformers: int(edge * long / short) in floating point.
            if width <= height {
                return (edge, Int(Double(edge) * Double(height) / Double(width)))
            }
            return (Int(Double(edge) * Double(width) / Double(height)), edge)
        }
    }

    /// Width and height of the output tensor for an input of `width` x `height`.
    public func outputSize(width: Int, height: Int) -> (width: Int, height: Int) {
        centerCrops ? (cropWidth, cropHeight) : resizedSize(width: width, height: height)
    }

    /// The normalised `[3, H, W]` tensor for `image`.
    public func callAsFunction(_ image: RGBImage) -> Tensor {
        let (width, height) = outputSize(width: image.width, height: image.height)
        return Tensor(shape: [3, height, width]) { buffer in
            if let base = buffer.baseAddress { write(image, into: base) }
        }
    }

    /// The normalised `[N, 3, H, W]` batch for `images`, computed in parallel. Every
    /// image must come out the same size (always true with center cropping or an exact
    /// resize); otherwise this throws `ImagePreprocessingError.mismatchedSizes`.
    public func callAsFunction(_ images: [RGBImage]) throws -> Tensor {
        guard let first = images.first else {
            throw ImagePreprocessingError.emptyBatch
        }
        let (width, height) = outputSize(width: first.width, height: first.height)
        for (index, image) in images.enumerated() {
            let size = outputSize(width: image.width, height: image.height)
            if size != (width, height) {
                throw ImagePreprocessingError.mismatchedSizes(index: index, width: size.width, height: size.height,
                                                              expectedWidth: width, expectedHeight: height)
            }
        }
        let imageCount = 3 * width * height
        return Tensor(shape: [images.count, 3, height, width]) { buffer in
            guard let address = buffer.baseAddress else { return }
            let base = UnsafeSendablePointer(pointer: address)
            DispatchQueue.concurrentPerform(iterations: min(images.count, Parallel.threadCount)) { worker in
                var index = worker
                while index < images.count {
                    write(images[index], into: base.pointer + index * imageCount)
                    index += Parallel.threadCount
                }
            }
        }
    }

    /// Resizes, crops and normalises `image` into `3 * H * W` floats at `destination` (CHW).
    func write(_ image: RGBImage, into destination: UnsafeMutablePointer<Float>) {
        precondition(image.width > 0 && image.height > 0, "ImagePreprocessing: empty \(image.width)x\(image.height) image")
        let resized = resizedSize(width: image.width, height: image.height)
        let output = outputSize(width: image.width, height: image.height)
        let left = centerCrops ? cropOffset(resized.width - cropWidth) : 0
        let top = centerCrops ? cropOffset(resized.height - cropHeight) : 0
        let window: [UInt8]
        if resized.width == image.width && resized.height == image.height && left == 0 && top == 0
            && output.width == image.width && output.height == image.height {
            window = image.pixels
        } else {
            window = ImageResampler.resizedWindow(
                of: image, outputWidth: resized.width, outputHeight: resized.height, filter: resample,
                left: left, top: top, windowWidth: output.width, windowHeight: output.height)
        }
        // byte -> (byte * factor - mean) / std per channel, through a 256-entry table.
        let planeSize = output.width * output.height
        for channel in 0..<3 {
            var table = [Float](repeating: 0, count: 256)
            for byte in 0..<256 {
                var value = rescales ? Float(Double(byte) * rescaleFactor) : Float(byte)
                if normalizes { value = (value - mean[channel]) / standardDeviation[channel] }
                table[byte] = value
            }
            let plane = destination + channel * planeSize
            table.withUnsafeBufferPointer { table in
                window.withUnsafeBufferPointer { pixels in
                    for index in 0..<planeSize { plane[index] = table[Int(pixels[index * 3 + channel])] }
                }
            }
        }
    }

    /// Offset of the crop window in the resized image for `difference = extent - crop`
    /// (negative: the image is smaller, and the window starts before it).
    func cropOffset(_ difference: Int) -> Int {
        switch cropRounding {
        case .floor:
            return Int((Double(difference) / 2).rounded(.down))
        case .halfToEven:
            if difference < 0 { return -((-difference) / 2) }
            return Int((Double(difference) / 2).rounded(.toNearestOrEven))
        }
    }
}

/// A pointer that may cross into `concurrentPerform`; each worker writes its own images.
struct UnsafeSendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
}

extension ImagePreprocessing {
    /// A readable account of a JSON decoding failure: the key path and the problem.
    static func describe(_ error: Error) -> String {
        guard let decodingError = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.stringValue }.joined(separator: ".")
            return keys.isEmpty ? "" : "\(keys): "
        }
        switch decodingError {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
             .dataCorrupted(let context):
            return path(context) + context.debugDescription
        @unknown default:
            return "\(decodingError)"
        }
    }
}
