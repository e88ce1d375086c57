import ArgumentParser
import Encoders
import Foundation
import Tensors

/// `mmfusion embed image`: image features from a ResNet / MobileNetV2 / EfficientNet-Lite /
/// Swin checkpoint, or CLIP / Chinese-CLIP image embeddings (`--output clip`), written as one
/// safetensors file.
struct EmbedImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Compute image embeddings with a CNN or Swin backbone, or a CLIP image tower.",
        discussion: """
            Images are decoded, resized to 256 on the shorter side, center-cropped to 224 and \
            normalised with the ImageNet mean and std. The output file holds `embeddings`: \
            [N, C] for pooled, [N, h·w, C] tokens for grid, [N, classes] for logits, one row per \
            image that was read, in input order. Its metadata records the architecture, the \
            output kind, the embedded files (`inputs`, JSON) and the skipped ones with reasons \
            (`skipped`, JSON).

            With --output clip, --model is a CLIP or Chinese-CLIP folder (Hugging Face layout, or \
            an OpenAI / open_clip state dict beside the tokenizer files); images are preprocessed \
            as its preprocessor_config.json says (else CLIP's bicubic resize and crop), and \
            `embeddings` is [N, P] in the joint image-text space (unit rows with --normalize), \
            `patch_tokens` [N, patches, D] the vision tower's last layer. The dot product of \
            normalised image and text embeddings (`embed text --clip … --normalize`) is their \
            cosine similarity; the metadata's `logit_scale` (exp of the model's) times it gives \
            CLIP's logits_per_image.
            """)

    enum OutputKind: String, ExpressibleByArgument, CaseIterable {
        case pooled, grid, logits, clip
    }

    @Option(help: "Model folder or weight file (.safetensors, .pt, .pth, .bin).") var model: String
    @Option(parsing: .upToNextOption, help: "Image files.") var input: [String]
    @Option(help: "Output .safetensors file.") var out: String
    @Option(help: "What to write: pooled, grid, logits (CNN backbones) or clip (a CLIP / Chinese-CLIP folder).")
    var output: OutputKind = .pooled
    @Flag(help: "With --output clip: scale each embedding to unit L2 norm.") var normalize = false
    @Option(help: "Backbone: \(VisionArchitecture.allCases.map(\.rawValue).joined(separator: ", ")) (default: inferred from the weights).")
    var architecture: String?
    @Option(help: "Images per forward pass.") var batchSize = 16
    @Flag(help: "Skip images that cannot be decoded (recorded in the output's metadata) instead of failing.")
    var skipBadImages = false

    func validate() throws {
        guard !input.isEmpty else { throw ValidationError("--input needs at least one image") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if output == .clip && architecture != nil {
            throw ValidationError("--architecture names a CNN backbone; a CLIP folder's config says its own architecture")
        }
        if normalize && output != .clip { throw ValidationError("--normalize applies to --output clip only") }
        if let architecture, VisionArchitecture(rawValue: architecture) == nil {
            throw ValidationError(VisionModelError.unknownArchitecture(architecture).description)
        }
    }

    func run() throws {
        if output == .clip {
            try runCLIP()
            return
        }
        let chosen = architecture.flatMap(VisionArchitecture.init(rawValue:))
        let backbone = try VisionModels.load(contentsOf: URL(fileURLWithPath: model), architecture: chosen)
        if output == .logits && backbone.classCount == nil {
            throw EmbedImageError.noClassifier(model: model)
        }
        let requested: VisionOutputs = output == .pooled ? .pooled : output == .grid ? .grid : .logits
        let (rows, embedded, skipped) = try embedInBatches(preprocessing: .imagenet) { batch in
            let features = withoutGradients { backbone.features(batch, outputs: requested) }
            switch output {
            case .pooled: return [features.pooled ?? Tensor.zeros([0])]
            case .grid: return [features.gridTokens ?? Tensor.zeros([0])]
            case .logits, .clip: return [features.logits ?? Tensor.zeros([0])]
            }
        }
        try write(["embeddings": rows[0]], embedded: embedded, skipped: skipped,
                  metadata: ["architecture": architectureName(backbone)])
    }

    /// `--output clip`: joint-space embeddings and patch tokens of a CLIP / Chinese-CLIP model.
    private func runCLIP() throws {
        let embedder = try CLIPEmbedder(directory: try HuggingFaceDirectory(URL(fileURLWithPath: model)))
        let (rows, embedded, skipped) = try embedInBatches(preprocessing: embedder.preprocessing) { batch in
            let result = try embedder.embedImages(pixels: batch, normalize: normalize)
            return [result.embeddings, result.patchTokens]
        }
        let family: String
        switch embedder.model {
        case .clip: family = "clip"
        case .chineseCLIP: family = "chinese-clip"
        }
        try write(["embeddings": rows[0], "patch_tokens": rows[1]], embedded: embedded, skipped: skipped,
                  metadata: ["architecture": family, "normalize": String(normalize),
                             "logit_scale": String(embedder.logitScale)])
    }

    /// Decodes the inputs batch by batch, preprocesses them and concatenates what `body`
    /// returns for each batch (one tensor per output, batch first).
    private func embedInBatches(preprocessing: ImagePreprocessing, _ body: (Tensor) throws -> [Tensor])
        throws -> (outputs: [Tensor], embedded: [String], skipped: [[String: String]]) {
        let decoder = ImageDecoder()
        var rows: [[Tensor]] = []
        var embedded: [String] = []
        var skipped: [[String: String]] = []
        let progress = ProgressBar(label: "embedding", total: input.count)
        var start = 0
        while start < input.count {
            let paths = Array(input[start..<min(start + batchSize, input.count)])
            start += paths.count
            var images: [RGBImage] = []
            for path in paths {
                do {
                    images.append(try decoder.decode(contentsOf: URL(fileURLWithPath: path)))
                    embedded.append(path)
                } catch {
                    guard skipBadImages else { throw EmbedImageError.badImage(file: path, reason: "\(error)") }
                    skipped.append(["file": path, "reason": "\(error)"])
                }
            }
            if images.isEmpty { continue }
            rows.append(try body(try preprocessing(images)))
            progress.update(start)
        }
        guard let first = rows.first else { throw EmbedImageError.nothingEmbedded(skipped: skipped.count) }
        let outputs = first.indices.map { index in
            rows.count == 1 ? first[index] : Tensor.concat(rows.map { $0[index] }, axis: 0)
        }
        return (outputs, embedded, skipped)
    }

    /// Writes `tensors` to --out with the inputs, skipped files and `metadata`, and reports on stderr.
    private func write(_ tensors: [String: Tensor], embedded: [String], skipped: [[String: String]],
                       metadata extra: [String: String]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var metadata = [
            "output": output.rawValue,
            "inputs": String(decoding: try encoder.encode(embedded), as: UTF8.self),
            "skipped": String(decoding: try encoder.encode(skipped), as: UTF8.self),
        ]
        metadata.merge(extra) { _, new in new }
        try Safetensors.write(tensors, to: URL(fileURLWithPath: out), metadata: metadata)
        let shape = tensors["embeddings"]?.shape ?? []
        var message = "embedded \(embedded.count) image(s) as \(shape) into \(out)"
        if !skipped.isEmpty { message += "; skipped \(skipped.count) (listed in the file's metadata)" }
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    private func architectureName(_ backbone: any VisionBackbone) -> String {
        if let resnet = backbone as? ResNet { return "resnet\(resnet.config.depth)" }
        if backbone is MobileNetV2 { return VisionArchitecture.mobilenetv2.rawValue }
        if backbone is SwinTransformer { return VisionArchitecture.swin.rawValue }
        return VisionArchitecture.efficientnetLite0.rawValue
    }
}

/// Why `embed image` stopped.
enum EmbedImageError: Error, CustomStringConvertible {
    case badImage(file: String, reason: String)
    case noClassifier(model: String)
    case nothingEmbedded(skipped: Int)

    var description: String {
        switch self {
        case let .badImage(file, reason):
            return "\(file): cannot read image (\(reason)); fix or remove it, or pass --skip-bad-images"
        case let .noClassifier(model):
            return "\(model) has no classifier weights, so there are no logits; use --output pooled or grid"
        case let .nothingEmbedded(skipped):
            return "no image could be read (\(skipped) skipped); check the --input paths"
        }
    }
}
