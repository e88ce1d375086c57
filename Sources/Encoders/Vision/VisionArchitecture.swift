import Foundation
import Tensors
import NeuralNetwork

/// The image backbones this package builds, by command-line name.
public enum VisionArchitecture: String, CaseIterable, Sendable, Codable {
    case resnet18, resnet34, resnet50, resnet101, resnet152
    case mobilenetv2 = "mobilenetv2"
    case efficientnetLite0 = "efficientnet-lite0"
    /// Swin Transformer of any size (Swin-T/S/B): the shape comes from `config.json` or the weights.
    case swin

    /// The architecture a state dict's keys describe (ResNet depth from its blocks).
    /// - Throws: `VisionModelError.unrecognisedWeights` when no architecture matches.
    public static func infer(fromShapes shapes: [String: [Int]], source: String) throws -> VisionArchitecture {
        if shapes["conv1.weight"] != nil, shapes["layer1.0.conv1.weight"] != nil {
            let config = try ResNetConfig(inferringFrom: shapes, source: source)
            if let architecture = VisionArchitecture(rawValue: "resnet\(config.depth)") { return architecture }
        }
        if shapes["features.0.0.weight"] != nil { return .mobilenetv2 }
        if shapes["_conv_stem.weight"] != nil { return .efficientnetLite0 }
        if SwinWeightNames.detectLayout(shapes.keys) != nil { return .swin }
        let sample = shapes.keys.sorted().prefix(5).joined(separator: ", ")
        throw VisionModelError.unrecognisedWeights(
            source: source, detail: "expected 'conv1.weight' + 'layer1.*' (ResNet), 'features.0.0.weight' (MobileNetV2) "
                + "or '_conv_stem.weight' (EfficientNet-Lite), "
                + "'embeddings.patch_embeddings.projection.weight' or 'patch_embed.proj.weight' (Swin); found keys such as \(sample)")
    }
}

/// Loading a backbone from a weight file or model folder.
public enum VisionModels {
    /// Opens `url` (a folder, `.safetensors`, or PyTorch `.pt`/`.pth`/`.bin`), renames the
    /// keys by `VisionWeightNames` (and `SwinWeightNames`), infers the architecture and its
    /// configuration from the keys and shapes unless `architecture` is given, and loads
    /// strictly: every model key present with its shape, every checkpoint key used
    /// (`num_batches_tracked` and Swin's recomputed buffers excepted). A Hugging Face Swin
    /// folder's `config.json` (`model_type` "swin") gives the configuration.
    /// - Throws: `TensorArchiveError` / `PyTorchCheckpointError` for unreadable files,
    ///   `VisionModelError` for unrecognised weights, `WeightLoadingError` naming missing,
    ///   mis-shaped or unused keys.
    public static func load(contentsOf url: URL, architecture: VisionArchitecture? = nil,
                            batchNorm: BatchNormMode = .folded) throws -> any VisionBackbone {
        let archive = try TensorArchive(contentsOf: url)
        let tensors = VisionWeightNames.normalized(try archive.tensors())
        var swinConfig: SwinConfig?
        if let directory = try? HuggingFaceDirectory(url), directory.contains("config.json"),
           (try? directory.decodeJSON(ModelTypeField.self))?.modelType == "swin" {
            swinConfig = try directory.decodeJSON(SwinConfig.self)
        }
        return try load(tensors: tensors, source: url.path, architecture: architecture, batchNorm: batchNorm,
                        swinConfig: swinConfig)
    }

    /// `load(contentsOf:)` on tensors already in memory (keys already normalised or not).
    /// `swinConfig` overrides the Swin configuration inferred from the shapes (its
    /// `numClasses` always comes from the weights).
    public static func load(tensors rawTensors: [String: Tensor], source: String, architecture: VisionArchitecture? = nil,
                            batchNorm: BatchNormMode = .folded, swinConfig: SwinConfig? = nil) throws -> any VisionBackbone {
        let tensors = SwinWeightNames.normalized(VisionWeightNames.normalized(rawTensors))
        let shapes = tensors.mapValues(\.shape)
        let chosen = try architecture ?? VisionArchitecture.infer(fromShapes: shapes, source: source)
        let weights = WeightScope(tensors)
        let model: any VisionBackbone
        switch chosen {
        case .resnet18, .resnet34, .resnet50, .resnet101, .resnet152:
            var config = try ResNetConfig(inferringFrom: shapes, source: source)
            let requested = Int(chosen.rawValue.dropFirst("resnet".count)) ?? config.depth
            guard requested == config.depth else {
                throw VisionModelError.unrecognisedWeights(
                    source: source, detail: "asked for \(chosen.rawValue), the weights hold a ResNet-\(config.depth)")
            }
            config.depth = requested
            model = try ResNet(weights: weights, config: config, batchNorm: batchNorm)
            try weights.verifyAllUsed(allowing: ResNet.ignoredKeys)
        case .mobilenetv2:
            let config = try MobileNetV2Config(inferringFrom: shapes, source: source)
            model = try MobileNetV2(weights: weights, config: config, batchNorm: batchNorm)
            try weights.verifyAllUsed(allowing: MobileNetV2.ignoredKeys)
        case .efficientnetLite0:
            let config = try EfficientNetLiteConfig(inferringFrom: shapes, source: source)
            model = try EfficientNetLite(weights: weights, config: config, batchNorm: batchNorm)
            try weights.verifyAllUsed(allowing: EfficientNetLite.ignoredKeys)
        case .swin:
            var config = try SwinConfig(inferringFrom: shapes, source: source)
            if var given = swinConfig {
                given.numClasses = config.numClasses
                config = given
            }
            try config.validate(source: source)
            model = try SwinTransformer(weights: weights, config: config)
            try weights.verifyAllUsed(allowing: SwinWeightNames.ignoredKeys)
        }
        return model
    }
}

/// The `model_type` field every Hugging Face `config.json` carries.
struct ModelTypeField: Decodable {
    let modelType: String?
    enum CodingKeys: String, CodingKey { case modelType = "model_type" }
}
