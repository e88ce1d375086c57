import Encoders
import Foundation
import Tensors

/// Turns posts into the cached features of a `FeatureSpec`: tokenises and encodes the
/// texts, decodes and encodes the images, and rounds every value through Float16 (what the
/// store keeps), so features computed live for `predict`/`serve` equal the stored rows.
///
/// Image decoding and preprocessing of the next batch run on one background thread while
/// the encoders run on the current batch (the encoders already use every core through
/// BLAS and the element-wise kernels).
public final class FeatureExtractor {
    /// What to compute.
    public let spec: FeatureSpec
    /// The text encoder (nil when the spec needs none).
    public let text: (any TextFeatureEncoder)?
    /// The image encoder (nil when the spec needs none).
    public let image: (any ImageFeatureEncoder)?
    /// The CLIP encoder for `clip.text` / `clip.image` (nil when the spec needs none).
    public let clip: ClipFeatureEncoder?
    /// What happens to a post whose image cannot be used.
    public let missingImage: MissingImagePolicy
    let decoder = ImageDecoder()

    /// An extractor over loaded encoders.
    /// - Throws: `FeatureStoreError.missingFile` when the spec needs an encoder that is not given.
    public init(spec: FeatureSpec, text: (any TextFeatureEncoder)?, image: (any ImageFeatureEncoder)?,
                clip: ClipFeatureEncoder? = nil, missingImage: MissingImagePolicy) throws {
        if spec.needsTextEncoder && text == nil {
            throw FeatureStoreError.missingFile("--text-encoder", "the requested features need a text encoder directory")
        }
        if spec.needsImageEncoder && image == nil {
            throw FeatureStoreError.missingFile("--image-encoder", "the requested features need an image encoder")
        }
        if spec.clipEmbeddings && clip == nil {
            throw FeatureStoreError.missingFile("--clip", "the requested features (clip.text, clip.image) need a CLIP model directory")
        }
        if let text, spec.textLayerCount > text.layerCount {
            throw FeatureStoreError.mismatch(store: "the text encoder", field: "layer count",
                                             detail: "\(spec.textLayerCount) layers asked for, the encoder has \(text.layerCount)")
        }
        if spec.imageLogits, let image, image.outputShapes.logits == nil {
            throw FeatureStoreError.mismatch(
                store: "the image encoder \(image.record.path)", field: "head",
                detail: "it has no classifier, and image.logits needs one (use a checkpoint with its ImageNet head, "
                    + "e.g. EfficientNet-Lite0 or a ResNet with fc, or configure the model to read image.pooled)")
        }
        self.spec = spec
        self.text = text
        self.image = image
        self.clip = spec.clipEmbeddings ? clip : nil
        self.missingImage = missingImage
    }

    /// Loads the encoders a manifest names and checks their files against its hashes.
    /// - Throws: `FeatureStoreError.mismatch` naming the first differing file or setting.
    public convenience init(manifest: FeatureManifest) throws {
        var textEncoder: (any TextFeatureEncoder)?
        var imageEncoder: (any ImageFeatureEncoder)?
        var clipEncoder: ClipFeatureEncoder?
        for record in manifest.encoders {
            switch record.role {
            case "text":
                let maxLength = Int(record.settings["max_length"] ?? "") ?? 128
                let loaded = try BertFeatureEncoder(directory: URL(fileURLWithPath: record.path), maxLength: maxLength)
                if let difference = loaded.record.difference(from: record) {
                    throw FeatureStoreError.mismatch(store: "the feature store", field: "text encoder", detail: difference)
                }
                textEncoder = loaded
            case "image":
                let loaded = try VisionFeatureEncoder(url: URL(fileURLWithPath: record.path))
                if let difference = loaded.record.difference(from: record) {
                    throw FeatureStoreError.mismatch(store: "the feature store", field: "image encoder", detail: difference)
                }
                imageEncoder = loaded
            case "clip":
                let loaded = try ClipFeatureEncoder(directory: URL(fileURLWithPath: record.path))
                if let difference = loaded.record.difference(from: record) {
                    throw FeatureStoreError.mismatch(store: "the feature store", field: "CLIP encoder", detail: difference)
                }
                clipEncoder = loaded
            default:
                throw FeatureStoreError.corrupt(FeatureManifest.fileName, "unknown encoder role '\(record.role)'")
            }
        }
        try self.init(spec: manifest.spec, text: textEncoder, image: imageEncoder, clip: clipEncoder,
                      missingImage: manifest.loadOptions.missingImage)
    }

    /// The encoders' manifest entries.
    public var encoderRecords: [EncoderRecord] { [text?.record, image?.record, clip?.record].compactMap { $0 } }

    /// Whether posts' images are decoded at all.
    var readsImages: Bool { spec.needsImageEncoder || clip != nil }

    /// Per-post shapes of the spec's tensors.
    public var featureShapes: [String: [Int]] {
        var shapes: [String: [Int]] = [:]
        if let text {
            let n = spec.textLayerCount, d = text.hiddenSize, l = text.sequenceLength
            if n > 0 && spec.textClassTokens { shapes["text.cls_layers"] = [n, d] }
            if n > 0 && spec.textTokenSequences { shapes["text.layers"] = [n, l, d] }
            if spec.textPooled { shapes["text.pooled"] = [d] }
            if spec.textTokenIds { shapes["text.token_ids"] = [l] }
        }
        if let image {
            let outputs = image.outputShapes
            if spec.imageGrid { shapes["image.grid"] = outputs.grid }
            if spec.imagePooled { shapes["image.pooled"] = outputs.pooled }
            if spec.imageLogits { shapes["image.logits"] = outputs.logits ?? [] }
        }
        if let clip {
            let size = clip.embeddingSize
            shapes["clip.text"] = [size]
            shapes["clip.image"] = [size]
        }
        return shapes
    }

    /// A decoded, preprocessed image of a post, or why none is usable.
    struct PreparedImage {
        var tensor: Tensor?
        var clipTensor: Tensor?
        var path: String?
        var hash: String?
        var failure: String?
    }

    /// The first decodable image of `post` (its `image`, then the other `imagePaths`).
    func prepareImage(_ post: Post) -> PreparedImage {
        guard readsImages else { return PreparedImage() }
        var candidates = post.image.map { [$0] } ?? []
        candidates += post.imagePaths.filter { $0 != post.image }
        var reasons: [String] = []
        for path in candidates {
            let url = URL(fileURLWithPath: path)
            guard let data = FileManager.default.contents(atPath: path) else {
                reasons.append("\(url.lastPathComponent): missing")
                continue
            }
            do {
                let decoded = try decoder.decode([UInt8](data), name: path)
                return PreparedImage(tensor: image?.preprocess(decoded) ?? clip?.preprocess(decoded),
                                     clipTensor: clip?.preprocess(decoded), path: path, hash: SHA256.hex(data))
            } catch {
                reasons.append("\(url.lastPathComponent): \(error)")
            }
        }
        return PreparedImage(failure: reasons.isEmpty ? "no image" : reasons.joined(separator: "; "))
    }

    /// The outcome of encoding a batch: the table of kept posts and the skipped ones.
    public struct BatchResult {
        public var table: FeatureTable
        public var records: [FeatureManifest.Record]
        public var skipped: [FeatureManifest.Skip]
    }

    /// Encodes `posts` in batches of `batchSize`. Posts without a usable image are kept
    /// with zero image tensors (`text-only`) or skipped with the reason (`drop`).
    public func features(for posts: [Post], labelNames: [String], batchSize: Int = 32,
                         progress: ((Int) -> Void)? = nil) throws -> BatchResult {
        let batches = stride(from: 0, to: posts.count, by: max(batchSize, 1)).map {
            Array(posts[$0..<min($0 + max(batchSize, 1), posts.count)])
        }
        // One decoding thread runs a batch ahead of the encoders.
        let queue = DispatchQueue(label: "mmfusion.extract.decode")
        final class Slot: @unchecked Sendable { var images: [PreparedImage] = [] }
        func startPreparing(_ batch: [Post]) -> () -> [PreparedImage] {
            let slot = Slot()
            let done = DispatchSemaphore(value: 0)
            queue.async {
                slot.images = batch.map(self.prepareImage)
                done.signal()
            }
            return {
                done.wait()
                return slot.images
            }
        }
        var pending = batches.first.map(startPreparing)
        var parts: [FeatureTable] = []
        var records: [FeatureManifest.Record] = []
        var skipped: [FeatureManifest.Skip] = []
        var done = 0
        for (index, batch) in batches.enumerated() {
            let images = pending?() ?? []
            pending = index + 1 < batches.count ? startPreparing(batches[index + 1]) : nil
            var kept: [(post: Post, image: PreparedImage)] = []
            for (post, prepared) in zip(batch, images) {
                if readsImages, prepared.tensor == nil, missingImage == .drop {
                    skipped.append(.init(id: post.id, location: post.source.description,
                                         reason: "image unusable: \(prepared.failure ?? "no image")"))
                    continue
                }
                kept.append((post, prepared))
            }
            if !kept.isEmpty {
                let table = try encode(kept, labelNames: labelNames)
                parts.append(table)
                for (row, item) in kept.enumerated() {
                    records.append(.init(id: item.post.id, split: item.post.split, label: item.post.label,
                                         textHash: SHA256.hex(Array(item.post.text.utf8)), image: item.image.path,
                                         imageHash: item.image.hash, textPresent: table.textPresent[row],
                                         imagePresent: table.imagePresent[row], shard: 0, row: 0))
                }
            }
            done += batch.count
            progress?(done)
        }
        return BatchResult(table: FeatureTable.concatenating(parts, labelNames: labelNames, shapes: featureShapes),
                           records: records, skipped: skipped)
    }

    /// Features of posts given as texts and already decoded images (the server's path: its
    /// images arrive as bytes and are decoded, within limits, before they are queued).
    /// A nil image is a missing one.
    public func features(texts: [String], images: [RGBImage?], labelNames: [String]) throws -> FeatureTable {
        precondition(texts.count == images.count, "FeatureExtractor: \(texts.count) texts with \(images.count) images")
        let items = zip(texts, images).enumerated().map { index, pair -> (post: Post, image: PreparedImage) in
            let post = Post(id: "input-\(index)", text: pair.0, imagePaths: [], image: nil, label: nil, split: nil,
                            source: SourceLocation(file: "input", line: index + 1))
            guard readsImages, let decoded = pair.1 else { return (post, PreparedImage()) }
            return (post, PreparedImage(tensor: image?.preprocess(decoded) ?? clip?.preprocess(decoded),
                                        clipTensor: clip?.preprocess(decoded)))
        }
        return try encode(items, labelNames: labelNames)
    }

    /// Runs the encoders on posts whose images are already prepared.
    func encode(_ items: [(post: Post, image: PreparedImage)], labelNames: [String]) throws -> FeatureTable {
        let count = items.count
        var features: [String: Tensor] = [:]
        let textPresent = items.map { !$0.post.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        let imagePresent = items.map { $0.image.tensor != nil }
        if spec.needsTextEncoder, let text {
            let encoded = try text.encode(items.map(\.post.text))
            let n = spec.textLayerCount, last = encoded.hiddenStates.count
            let kept = Array(encoded.hiddenStates[(last - n)...])
            if n > 0 && spec.textClassTokens {
                features["text.cls_layers"] = Tensor.stack(kept.map { $0.slice(axis: 1, 0..<1).squeezed(1) }, axis: 1)
            }
            if n > 0 && spec.textTokenSequences { features["text.layers"] = Tensor.stack(kept, axis: 1) }
            if spec.textPooled { features["text.pooled"] = encoded.pooled }
            if spec.textTokenIds {
                features["text.token_ids"] = Tensor(shape: [count, text.sequenceLength],
                                                    scalars: encoded.tokenIds.flatMap { $0.map(Float.init) })
            }
        }
        if spec.needsImageEncoder, let image {
            let shapes = image.outputShapes
            var outputs: VisionOutputs = []
            if spec.imageGrid { outputs.insert(.grid) }
            if spec.imagePooled { outputs.insert(.pooled) }
            if spec.imageLogits { outputs.insert(.logits) }
            let present = items.enumerated().compactMap { $0.element.image.tensor == nil ? nil : $0.offset }
            var encoded: VisionFeatures?
            if !present.isEmpty {
                let batch = Tensor.stack(items.compactMap { $0.image.tensor }, axis: 0)
                encoded = try image.encode(batch, outputs: outputs)
            }
            func scatter(_ name: String, _ rowShape: [Int], _ values: Tensor?) {
                let rowSize = rowShape.reduce(1, *)
                var scalars = [Float](repeating: 0, count: count * rowSize)
                if let values {
                    let source = values.scalars
                    for (position, row) in present.enumerated() {
                        scalars.replaceSubrange(row * rowSize..<(row + 1) * rowSize,
                                                with: source[position * rowSize..<(position + 1) * rowSize])
                    }
                }
                features[name] = Tensor(shape: [count] + rowShape, scalars: scalars)
            }
            if spec.imageGrid { scatter("image.grid", shapes.grid, encoded?.gridTokens) }
            if spec.imagePooled { scatter("image.pooled", shapes.pooled, encoded?.pooled) }
            if spec.imageLogits { scatter("image.logits", shapes.logits ?? [], encoded?.logits) }
        }
        if let clip {
            features["clip.text"] = try clip.encodeTexts(items.map(\.post.text))
            let size = clip.embeddingSize
            var scalars = [Float](repeating: 0, count: count * size)
            let pixels = items.compactMap(\.image.clipTensor)
            if !pixels.isEmpty {
                let embedded = try clip.encodeImages(Tensor.stack(pixels, axis: 0)).scalars
                var position = 0
                for (row, item) in items.enumerated() where item.image.clipTensor != nil {
                    scalars.replaceSubrange(row * size..<(row + 1) * size,
                                            with: embedded[position * size..<(position + 1) * size])
                    position += 1
                }
            }
            features["clip.image"] = Tensor(shape: [count, size], scalars: scalars)
        }
        // What the store keeps: every value rounded to Float16, except the token ids, which
        // stay exact (Float16 holds integers exactly only up to 2048; ids past 65504 overflow).
        for (name, tensor) in features where name != FeatureStore.exactFeature {
            features[name] = tensor.float16Bits().withUnsafeBufferPointer { Tensor(shape: tensor.shape, float16Bits: $0) }
        }
        return FeatureTable(
            ids: items.map(\.post.id), labels: items.map { item in item.post.label.flatMap { labelNames.firstIndex(of: $0) } },
            labelNames: labelNames, splits: items.map(\.post.split), textPresent: textPresent, imagePresent: imagePresent,
            features: features)
    }
}

extension FeatureTable {
    /// The rows of `parts` one after another; with no parts, an empty table whose tensors
    /// have the given per-row shapes.
    static func concatenating(_ parts: [FeatureTable], labelNames: [String], shapes: [String: [Int]]) -> FeatureTable {
        guard let first = parts.first else {
            return FeatureTable(ids: [], labels: [], labelNames: labelNames, splits: [], textPresent: [], imagePresent: [],
                                features: shapes.mapValues { Tensor.zeros([0] + $0) })
        }
        if parts.count == 1 { return first }
        var features: [String: Tensor] = [:]
        for name in first.features.keys { features[name] = Tensor.concat(parts.compactMap { $0.features[name] }, axis: 0) }
        return FeatureTable(ids: parts.flatMap(\.ids), labels: parts.flatMap(\.labels), labelNames: labelNames,
                            splits: parts.flatMap(\.splits), textPresent: parts.flatMap(\.textPresent),
                            imagePresent: parts.flatMap(\.imagePresent), features: features)
    }
}
