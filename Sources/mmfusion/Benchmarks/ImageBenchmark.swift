import Encoders
import Foundation

/// Decoding and preprocessing one 500x375 JPEG (the size of a typical social-media
/// photo): milliseconds per image for each step and for decode + preprocess together,
/// on the calling thread.
extension Benchmark {
    static let images = Benchmark(
        name: "images", summary: "JPEG decode + ImageNet/CLIP preprocessing of a 500x375 photo, ms/image", run: runImages)
}

/// The photo the fixtures generator writes; `mmfusion bench images` runs from the repository root.
private let benchmarkPhoto = "Tests/Fixtures/images/photo_500x375.jpg"

private func runImages(options: BenchOptions) throws -> [BenchFigure] {
    let url = URL(fileURLWithPath: benchmarkPhoto)
    guard let data = FileManager.default.contents(atPath: url.path) else {
        throw ImageDecodingError.unreadableFile(file: url.path, reason: "run `mmfusion bench images` from the repository root")
    }
    let bytes = [UInt8](data)
    let decoder = ImageDecoder()
    let image = try decoder.decode(bytes, name: benchmarkPhoto)
    let repetitions = max(options.repetitions, 1) * 10
    let detail = "\(image.width)x\(image.height), \(bytes.count) bytes, 1 thread, median of \(repetitions)"

    var failures = 0
    let decodeSeconds = medianSeconds(repetitions: repetitions) {
        if (try? decoder.decode(bytes, name: benchmarkPhoto)) == nil { failures += 1 }
    }
    let imagenetSeconds = medianSeconds(repetitions: repetitions) { _ = ImagePreprocessing.imagenet(image) }
    let clipSeconds = medianSeconds(repetitions: repetitions) { _ = ImagePreprocessing.clip(image) }
    let totalSeconds = medianSeconds(repetitions: repetitions) {
        if let decoded = try? decoder.decode(bytes, name: benchmarkPhoto) {
            _ = ImagePreprocessing.imagenet(decoded)
        } else {
            failures += 1
        }
    }
    if failures > 0 { throw ImageDecodingError.corruptData(file: benchmarkPhoto, format: .jpeg, detail: "decoding failed while timing") }
    return [
        BenchFigure(name: "JPEG decode", value: decodeSeconds * 1e3, unit: "ms/image", detail: detail),
        BenchFigure(name: "ImageNet preprocess (resize 256, crop 224)", value: imagenetSeconds * 1e3, unit: "ms/image", detail: detail),
        BenchFigure(name: "CLIP preprocess (bicubic 224, crop 224)", value: clipSeconds * 1e3, unit: "ms/image", detail: detail),
        BenchFigure(name: "JPEG decode + ImageNet preprocess", value: totalSeconds * 1e3, unit: "ms/image", detail: detail),
    ]
}
