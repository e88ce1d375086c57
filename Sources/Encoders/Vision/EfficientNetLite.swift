import Foundation
import Tensors
import NeuralNetwork

/// EfficientNet-Lite (Lite0 by default) as the `efficientnet_lite_pytorch` package's
/// `model.py` (a port of TensorFlow's `efficientnet/lite`), with its state-dict keys:
/// `_conv_stem` / `_bn0` (3x3 stride 2), `_blocks.N._expand_conv` / `_bn0` (1x1, absent
/// when the expansion is 1), `_blocks.N._depthwise_conv` / `_bn1`, `_blocks.N._project_conv`
/// / `_bn2`, `_conv_head` / `_bn1` (1x1 to 1280), `_fc`. Lite differs from B0 by ReLU6
/// instead of swish, no squeeze-excitation, and a stem and head that width scaling leaves alone.
///
/// Convolutions pad as TensorFlow's "SAME" (output ⌈in/stride⌉, the odd zero after:
/// bottom/right), computed from each input's size (upstream fixes the padding for its
/// `image_size`, 224 for Lite0; the two agree at that size). Batch norm ε = 1e-3.
///
/// Shapes for 224x224: grid [N, 1280, 7, 7], pooled [N, 1280], logits [N, 1000].
public final class EfficientNetLite: VisionBackbone {
    public var isTraining = false
    /// The architecture.
    public let config: EfficientNetLiteConfig
    /// How batch norms run.
    public let batchNormMode: BatchNormMode
    let stem: ConvolutionBatchNorm
    let blocks: [MobileInvertedBottleneck]
    let head: ConvolutionBatchNorm
    let classifier: Linear?
    private let stageEnds: [Int: String]

    /// A model reading every tensor from `weights` by the `efficientnet_pytorch` keys.
    /// - Throws: `WeightLoadingError` naming the missing or mis-shaped key.
    public convenience init(weights: WeightScope, config: EfficientNetLiteConfig = EfficientNetLiteConfig(),
                            batchNorm: BatchNormMode = .folded) throws {
        try self.init(source: ParameterSource(weights: weights), config: config, batchNorm: batchNorm)
    }

    /// A randomly initialised model (Kaiming-normal fan-out convolutions), seeded.
    public convenience init(config: EfficientNetLiteConfig, seed: UInt64, batchNorm: BatchNormMode = .folded) throws {
        try self.init(source: ParameterSource(seed: seed), config: config, batchNorm: batchNorm)
    }

    init(source: ParameterSource, config: EfficientNetLiteConfig, batchNorm mode: BatchNormMode) throws {
        self.config = config
        self.batchNormMode = mode
        let epsilon = config.batchNormEpsilon
        stem = try ConvolutionBatchNorm(source, convolutionName: "_conv_stem", normName: "_bn0", inputChannels: 3,
                                        outputChannels: config.stemChannels, kernel: 3, stride: 2, padding: .tensorFlowSame,
                                        epsilon: epsilon, activation: .relu6, mode: mode)
        let blockSource = source.scoped("_blocks")
        var blocks: [MobileInvertedBottleneck] = []
        var stageEnds: [Int: String] = [:]
        let settings = EfficientNetLiteConfig.blockSettings
        var outputChannels = config.stemChannels
        for (stageIndex, setting) in settings.enumerated() {
            let fixed = config.fixedStemAndHead && (stageIndex == 0 || stageIndex == settings.count - 1)
            let repeats = fixed ? setting.repeats : config.repeats(setting.repeats)
            var inputChannels = stageIndex == 0 ? config.stemChannels : config.filters(setting.inputChannels)
            outputChannels = config.filters(setting.outputChannels)
            for repeatIndex in 0..<repeats {
                let stride = repeatIndex == 0 ? setting.stride : 1
                if stride == 2, !blocks.isEmpty { stageEnds[blocks.count - 1] = "_blocks.\(blocks.count - 1)" }
                blocks.append(try MobileInvertedBottleneck(
                    blockSource.scoped(blocks.count), inputChannels: inputChannels, outputChannels: outputChannels,
                    kernel: setting.kernel, stride: stride, expansion: setting.expansion,
                    usesResidual: repeatIndex > 0, epsilon: epsilon, mode: mode))
                inputChannels = outputChannels
            }
        }
        self.blocks = blocks
        self.stageEnds = stageEnds
        head = try ConvolutionBatchNorm(source, convolutionName: "_conv_head", normName: "_bn1",
                                        inputChannels: outputChannels, outputChannels: config.headChannels, kernel: 1,
                                        padding: .tensorFlowSame, epsilon: epsilon, activation: .relu6, mode: mode)
        classifier = try config.numClasses.map {
            try source.scoped("_fc").linear(inputSize: config.headChannels, outputSize: $0)
        }
        setTraining(false)
    }

    /// Keys a checkpoint may carry that the model does not read.
    public static let ignoredKeys = ["*num_batches_tracked"]

    public var featureSize: Int { config.headChannels }
    public var classCount: Int? { config.numClasses }
    public var stageNames: [String] {
        ["stem"] + stageEnds.keys.sorted().compactMap { stageEnds[$0] } + ["_conv_head"]
    }

    public var children: [(String, any Module)] {
        var result: [(String, any Module)] = [("_conv_stem", stem.convolution), ("_bn0", stem.norm),
                                               ("_blocks", ModuleList(blocks)),
                                               ("_conv_head", head.convolution), ("_bn1", head.norm)]
        if let classifier { result.append(("_fc", classifier)) }
        return result
    }

    /// Runs the network on `images` [N, 3, H, W].
    public func features(_ images: Tensor, outputs: VisionOutputs) -> VisionFeatures {
        precondition(images.rank == 4 && images.shape[1] == 3,
                     "EfficientNetLite: images must be [N, 3, H, W], got \(images.shape)")
        var result = VisionFeatures()
        var x = stem(images.toChannelsLast())
        if outputs.contains(.stages) { result.stages.append(("stem", x.toChannelsFirst())) }
        for (index, block) in blocks.enumerated() {
            x = block(x)
            if outputs.contains(.stages), let name = stageEnds[index] { result.stages.append((name, x.toChannelsFirst())) }
        }
        x = head(x)
        if outputs.contains(.stages) { result.stages.append(("_conv_head", x.toChannelsFirst())) }
        finish(lastMap: x, outputs: outputs, classifier: classifier, into: &result)
        return result
    }
}

/// Width/depth scaling and classes of an EfficientNet-Lite. Lite0: both coefficients 1.
public struct EfficientNetLiteConfig: Codable, Sendable, Equatable {
    /// Channel multiplier for the blocks (the stem's 32 and the head's 1280 stay fixed).
    public var widthCoefficient: Double
    /// Repeat multiplier for the middle stages (the first and last stay fixed).
    public var depthCoefficient: Double
    /// Classifier outputs; nil for a feature-only model without `_fc`.
    public var numClasses: Int?
    /// Batch norm ε (TensorFlow's 1e-3).
    public var batchNormEpsilon: Float
    /// Lite's `fix_head_stem`: the stem's 32 and the head's 1280 channels ignore the width
    /// coefficient (true for every published Lite model).
    public var fixedStemAndHead: Bool

    enum CodingKeys: String, CodingKey {
        case widthCoefficient = "width_coefficient", depthCoefficient = "depth_coefficient"
        case numClasses = "num_classes", batchNormEpsilon = "batch_norm_epsilon", fixedStemAndHead = "fix_head_stem"
    }

    public init(widthCoefficient: Double = 1, depthCoefficient: Double = 1, numClasses: Int? = 1000,
                batchNormEpsilon: Float = 1e-3, fixedStemAndHead: Bool = true) {
        self.widthCoefficient = widthCoefficient
        self.depthCoefficient = depthCoefficient
        self.numClasses = numClasses
        self.batchNormEpsilon = batchNormEpsilon
        self.fixedStemAndHead = fixedStemAndHead
    }

    /// Channels of the stem.
    public var stemChannels: Int { fixedStemAndHead ? 32 : filters(32) }
    /// Channels of the head (the pooled feature size).
    public var headChannels: Int { fixedStemAndHead ? 1280 : filters(1280) }

    /// Stage settings of `efficientnet_lite_builder.py` (`r1_k3_s11_e1_i32_o16` …).
    static let blockSettings: [(repeats: Int, kernel: Int, stride: Int, expansion: Int, inputChannels: Int, outputChannels: Int)] = [
        (1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
        (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320),
    ]

    /// `round_filters`: c·w rounded to a multiple of 8, at least 8, never below 90% of c·w.
    func filters(_ base: Int) -> Int {
        let value = Double(base) * widthCoefficient
        var rounded = Swift.max(8, Int(value + 4) / 8 * 8)
        if Double(rounded) < 0.9 * value { rounded += 8 }
        return rounded
    }

    /// `round_repeats`: ⌈d·r⌉.
    func repeats(_ base: Int) -> Int { Int((depthCoefficient * Double(base)).rounded(.up)) }

    /// The configuration a state dict describes: width from the head's input channels
    /// (the last stage's 320·w), `fix_head_stem` from the stem's channels (32 when fixed), classes
    /// from `_fc.weight`. Depth scaling is taken as 1 when the block count is Lite0's 16.
    /// - Throws: `VisionModelError.unrecognisedWeights` when the keys are not an EfficientNet-Lite.
    public init(inferringFrom shapes: [String: [Int]], source: String) throws {
        guard let stem = shapes["_conv_stem.weight"], let head = shapes["_conv_head.weight"], head.count == 4 else {
            throw VisionModelError.unrecognisedWeights(source: source, detail: "no '_conv_stem.weight' or 4-D '_conv_head.weight'")
        }
        var blockCount = 0
        while shapes["_blocks.\(blockCount)._depthwise_conv.weight"] != nil { blockCount += 1 }
        guard blockCount == 16 else {
            throw VisionModelError.unrecognisedWeights(
                source: source, detail: "\(blockCount) blocks; only Lite0's depth (16 blocks) is inferred, pass a config for others")
        }
        let width = Double(head[1]) / 320
        self.init(widthCoefficient: width, numClasses: shapes["_fc.weight"].map { $0[0] },
                  fixedStemAndHead: stem[0] == 32)
    }
}

/// EfficientNet-Lite's MBConv block (no squeeze-excitation): optional 1x1 expansion,
/// k×k depthwise with the stride, 1x1 projection; y = x + block(x) on the repeats after a
/// stage's first block (stride 1, same channels). Upstream's test `stride == 1` compares
/// the first block's stride list `[1]` with 1 and is false, so a stage's first block never
/// adds its input even when the shapes would allow it; published Lite models change
/// channels there anyway. Drop-connect is a training-time regulariser not applied here.
final class MobileInvertedBottleneck: Module {
    var isTraining = false
    let expand: ConvolutionBatchNorm?
    let depthwise: ConvolutionBatchNorm
    let project: ConvolutionBatchNorm
    let usesResidual: Bool

    init(_ source: ParameterSource, inputChannels: Int, outputChannels: Int, kernel: Int, stride: Int, expansion: Int,
         usesResidual: Bool, epsilon: Float, mode: BatchNormMode) throws {
        let hidden = inputChannels * expansion
        expand = expansion == 1 ? nil : try ConvolutionBatchNorm(
            source, convolutionName: "_expand_conv", normName: "_bn0", inputChannels: inputChannels,
            outputChannels: hidden, kernel: 1, padding: .tensorFlowSame, epsilon: epsilon, activation: .relu6, mode: mode)
        depthwise = try ConvolutionBatchNorm(source, convolutionName: "_depthwise_conv", normName: "_bn1",
                                             inputChannels: hidden, outputChannels: hidden, kernel: kernel, stride: stride,
                                             groups: hidden, padding: .tensorFlowSame, epsilon: epsilon,
                                             activation: .relu6, mode: mode)
        project = try ConvolutionBatchNorm(source, convolutionName: "_project_conv", normName: "_bn2",
                                           inputChannels: hidden, outputChannels: outputChannels, kernel: 1,
                                           padding: .tensorFlowSame, epsilon: epsilon, activation: .none, mode: mode)
        self.usesResidual = usesResidual && stride == 1 && inputChannels == outputChannels
    }

    var children: [(String, any Module)] {
        var result: [(String, any Module)] = []
        if let expand { result += [("_expand_conv", expand.convolution), ("_bn0", expand.norm)] }
        result += [("_depthwise_conv", depthwise.convolution), ("_bn1", depthwise.norm),
                   ("_project_conv", project.convolution), ("_bn2", project.norm)]
        return result
    }

    /// NHWC in, NHWC out.
    func callAsFunction(_ input: Tensor) -> Tensor {
        var x = expand.map { $0(input) } ?? input
        x = project(depthwise(x))
        return usesResidual ? input + x : x
    }
}
