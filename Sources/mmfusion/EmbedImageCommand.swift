import ArgumentParser
import Encoders
import Foundation
import Tensors

/// `mmfusion embed image`: image features from a ResNet / MobileNetV2 / EfficientNet-Lite
/// checkpoint, written as one safetensors file.
struct EmbedImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Compute image embeddings with a CNN backbone.",
        discussion: """
            Images are decoded, resized to 256 on the shorter side, center-cropped to 224 and \
            normalised with the ImageNet mean and std. The output file holds `embeddings`: \
            [N, C] for pooled, [N, h·w, C] tokens for grid, [N, classes] for logits, one row per \
            image that was read, in input order. Its metadata records the architecture, the \
            output kind, the embedded files (`inputs`, JSON) and the skipped ones with reasons \
            (`skipped`, JSON).
            """)

    enum OutputKind: String, ExpressibleByArgument, CaseIterable {
        case pooled, grid, logits
    }

    @Option(help: "Model folder or weight file (.safetensors, .pt, .pth, .bin).") var model: String
    @Option(parsing: .upToNextOption, help: "Image files.") var input: [String]
    @Option(help: "Output .safetensors file.") var out: String
    @Option(help: "What to write: pooled, grid or logits.") var output: OutputKind = .pooled
    @Option(help: "Backbone: \(VisionArchitecture.allCases.map(\.rawValue).joined(separator: ", ")) (default: inferred from the weights).")
    var architecture: String?
    @Option(help: "Images per forward pass.") var batchSize = 16
    @Flag(help: "Skip images that cannot be decoded (recorded in the output's metadata) instead of failing.")
    var skipBadImages = false

    func validate() throws {
        guard !input.isEmpty else { throw ValidationError("--input needs at least one image") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if let architecture, VisionArchitecture(rawValue: architecture) == nil {
            throw ValidationError(VisionModelError.unknownArchitecture(architecture).description)
        }
    }

    func run() throws {
        let chosen = architecture.flatMap(VisionArchitecture.init(rawValue:))
        let backbone = try VisionModels.load(contentsOf: URL(fileURLWithPath: model), architecture: chosen)
        if output == .logits && backbone.classCount == nil {
            throw EmbedImageError.noClassifier(model: model)
        }
        let decoder = ImageDecoder()
        let preprocessing = ImagePreprocessing.imagenet
        let requested: VisionOutputs = output == .pooled ? .pooled : output == .grid ? .grid : .logits
        var rows: [Tensor] = []
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
            let batch = try preprocessing(images)
            let features = withoutGradients { backbone.features(batch, outputs: requested) }
            switch output {
            case .pooled: rows.append(features.pooled ?? Tensor.zeros([0]))
            case .grid: rows.append(features.gridTokens ?? Tensor.zeros([0]))
            case .logits: rows.append(features.logits ?? Tensor.zeros([0]))
            }
            progress.update(start)
        }
        guard !rows.isEmpty else { throw EmbedImageError.nothingEmbedded(skipped: skipped.count) }
        let embeddings = rows.count == 1 ? rows[0] : Tensor.concat(rows, axis: 0)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let metadata = [
            "architecture": architectureName(backbone),
            "output": output.rawValue,
            "inputs": String(decoding: try encoder.encode(embedded), as: UTF8.self),
            "skipped": String(decoding: try encoder.encode(skipped), as: UTF8.self),
        ]
        try Safetensors.write(["embeddings": embeddings], to: URL(fileURLWithPath: out), metadata: metadata)
        var message = "embedded \(embedded.count) image(s) as \(embeddings.shape) into \(out)"
        if !skipped.isEmpty { message += "; skipped \(skipped.count) (listed in the file's metadata)" }
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    private func architectureName(_ backbone: any VisionBackbone) -> String {
        if let resnet = backbone as? ResNet { return "resnet\(resnet.config.depth)" }
        if backbone is MobileNetV2 { return VisionArchitecture.mobilenetv2.rawValue }
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
