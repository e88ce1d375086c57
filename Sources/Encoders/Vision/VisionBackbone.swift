import Tensors
import NeuralNetwork

/// Which outputs `VisionBackbone.features` computes. Ask only for what you need: logits
/// need the classifier, stages keep every intermediate map.
public struct VisionOutputs: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The globally average-pooled last feature map, [N, C].
    public static let pooled = VisionOutputs(rawValue: 1 << 0)
    /// The last feature map, [N, C, h, w], and the same values as tokens [N, h·w, C].
    public static let grid = VisionOutputs(rawValue: 1 << 1)
    /// The classifier's output, [N, classes] (only for models that have a classifier).
    public static let logits = VisionOutputs(rawValue: 1 << 2)
    /// Every named intermediate feature map (`stem`, `layer1` … for ResNet), NCHW.
    public static let stages = VisionOutputs(rawValue: 1 << 3)
}

/// What a backbone computed for a batch of images. Fields not asked for are nil.
public struct VisionFeatures {
    /// Named intermediate feature maps, [N, C, h, w], in network order.
    public var stages: [(name: String, map: Tensor)] = []
    /// The last feature map, [N, C, h, w].
    public var grid: Tensor?
    /// The last feature map as a sequence of tokens, [N, h·w, C] (row-major over h, w).
    public var gridTokens: Tensor?
    /// Global average of the last feature map, [N, C].
    public var pooled: Tensor?
    /// Classifier output, [N, classes].
    public var logits: Tensor?

    public init() {}

    /// The stage map called `name`, or nil.
    public func stage(_ name: String) -> Tensor? { stages.first { $0.name == name }?.map }
}

/// How a backbone applies its batch normalisations.
public enum BatchNormMode: String, Sendable, Codable {
    /// Each batch norm folded into the preceding convolution at load time
    /// (w' = w·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε)): fastest, inference only. The folded
    /// copies are made once; later changes to the parameters do not reach them.
    case folded
    /// Separate batch norm layers: trainable, and `train()` switches them to batch statistics.
    case separate
}

/// An image backbone: NCHW images in, feature maps, pooled features and logits out.
public protocol VisionBackbone: Module {
    /// Channels of the last feature map (the pooled feature size).
    var featureSize: Int { get }
    /// Number of classifier outputs, or nil for a feature-only model.
    var classCount: Int? { get }
    /// Names of the maps `.stages` returns, in order.
    var stageNames: [String] { get }
    /// Runs the network on `images` [N, 3, H, W] (normalised as the model was trained,
    /// ImageNet mean/std for every model here) and returns the requested `outputs`.
    func features(_ images: Tensor, outputs: VisionOutputs) -> VisionFeatures
}

extension VisionBackbone {
    /// Shared tail: grid, tokens, pooled features and logits from the last NHWC map.
    func finish(lastMap: Tensor, outputs: VisionOutputs, classifier: Linear?, into result: inout VisionFeatures) {
        let (n, h, w, c) = (lastMap.shape[0], lastMap.shape[1], lastMap.shape[2], lastMap.shape[3])
        if outputs.contains(.grid) {
            result.grid = lastMap.toChannelsFirst()
            result.gridTokens = lastMap.reshaped([n, h * w, c])
        }
        if outputs.contains(.pooled) || outputs.contains(.logits) {
            let pooled = lastMap.reshaped([n, h * w, c]).mean(axes: [1])
            if outputs.contains(.pooled) { result.pooled = pooled }
            if outputs.contains(.logits), let classifier { result.logits = classifier(pooled) }
        }
    }
}
