import Foundation
import Tensors
import NeuralNetwork

/// The image backbones this package builds, by command-line name.
public enum VisionArchitecture: String, CaseIterable, Sendable, Codable {
    case resnet18, resnet34, resnet50, resnet101, resnet152
    case mobilenetv2 = "mobilenetv2"
    case efficientnetLite0 = "efficientnet-lite0"

    /// The architecture a state dict's keys describe (ResNet depth from its blocks).
    /// - Throws: `VisionModelError.unrecognisedWeights` when no architecture matches.
    public static func infer(fromShapes shapes: [String: [Int]], source: String) throws -> VisionArchitecture {
        if shapes["conv1.weight"] != nil, shapes["layer1.0.conv1.weight"] != nil {
            let config = try ResNetConfig(inferringFrom: shapes, source: source)
            if let architecture = VisionArchitecture(rawValue: "resnet\(config.depth)") { return architecture }
        }
        if shapes["features.0.0.weight"] != nil { return .mobilenetv2 }
        if shapes["_conv_stem.weight"] != nil { return .efficientnetLite0 }
        let sample = shapes.keys.sorted().prefix(5).joined(separator: ", ")
        throw VisionModelError.unrecognisedWeights(
            source: source, detail: "expected 'conv1.weight' + 'layer1.*' (ResNet), 'features.0.0.weight' (MobileNetV2) "
                + "or '_conv_stem.weight' (EfficientNet-Lite); found keys such as \(sample)")
    }
}

/// Loading a backbone from a weight file or model folder.
public enum VisionModels {
    /// Opens `url` (a folder, `.safetensors`, or PyTorch `.pt`/`.pth`/`.bin`), renames the
    /// keys by `VisionWeightNames`, infers the architecture and its configuration from the
    /// keys and shapes unless `architecture` is given, and loads strictly: every model key
    /// present with its shape, every checkpoint key used (`num_batches_tracked` excepted).
    /// - Throws: `TensorArchiveError` / `PyTorchCheckpointError` for unreadable files,
    ///   `VisionModelError` for unrecognised weights, `WeightLoadingError` naming missing,
    ///   mis-shaped or unused keys.
    public static func load(contentsOf url: URL, architecture: VisionArchitecture? = nil,
                            batchNorm: BatchNormMode = .folded) throws -> any VisionBackbone {
        let archive = try TensorArchive(contentsOf: url)
        let tensors = VisionWeightNames.normalized(try archive.tensors())
        return try load(tensors: tensors, source: url.path, architecture: architecture, batchNorm: batchNorm)
    }

    /// `load(contentsOf:)` on tensors already in memory (keys already normalised or not).
    public static func load(tensors rawTensors: [String: Tensor], source: String, architecture: VisionArchitecture? = nil,
                            batchNorm: BatchNormMode = .folded) throws -> any VisionBackbone {
        let tensors = VisionWeightNames.normalized(rawTensors)
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
        }
        return model
    }
}
