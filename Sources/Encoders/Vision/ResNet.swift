import Tensors
import NeuralNetwork

/// ResNet 18/34/50/101/152 as torchvision's `resnet.py` (v1.5: the stride of a
/// downsampling bottleneck sits on its 3x3 convolution), with torchvision's (and timm's)
/// state-dict keys: `conv1`, `bn1`, `layer{1-4}.{i}.conv{1,2,3}` / `bn{1,2,3}`,
/// `layer{s}.0.downsample.0` (1x1 convolution) / `downsample.1` (batch norm), `fc`.
///
/// Shapes for a 224x224 ResNet-50: stem [N, 64, 112, 112] (after the first ReLU, before
/// the max pool), layer1 [N, 256, 56, 56], layer2 [N, 512, 28, 28], layer3
/// [N, 1024, 14, 14], layer4 [N, 2048, 7, 7] (also as tokens [N, 49, 2048]), pooled
/// [N, 2048], logits [N, 1000].
///
/// ```swift
/// let model = try ResNet.load(contentsOf: URL(fileURLWithPath: "resnet50.safetensors"))
/// let features = model.features(images, outputs: [.grid, .pooled])
/// ```
public final class ResNet: VisionBackbone {
    public var isTraining = false
    /// The architecture.
    public let config: ResNetConfig
    /// How batch norms run.
    public let batchNormMode: BatchNormMode
    let stem: ConvolutionBatchNorm
    let stages: [ModuleList<ResidualBlock>]
    let classifier: Linear?

    /// A model reading every tensor from `weights` (keys as torchvision's, see
    /// `VisionWeightNames` for other layouts). Loading is strict: afterwards call
    /// `weights.verifyAllUsed(allowing: ResNet.ignoredKeys)`, or use `load(contentsOf:)`.
    /// - Throws: `WeightLoadingError` naming the missing or mis-shaped key.
    public convenience init(weights: WeightScope, config: ResNetConfig, batchNorm: BatchNormMode = .folded) throws {
        try self.init(source: ParameterSource(weights: weights), config: config, batchNorm: batchNorm)
    }

    /// A randomly initialised model (torchvision's scheme: Kaiming-normal fan-out
    /// convolutions, γ = 1, β = 0, PyTorch's default `Linear`), seeded.
    /// - Throws: `VisionModelError.unknownArchitecture` for an unsupported depth.
    public convenience init(config: ResNetConfig, seed: UInt64, batchNorm: BatchNormMode = .folded) throws {
        try self.init(source: ParameterSource(seed: seed), config: config, batchNorm: batchNorm)
    }

    init(source: ParameterSource, config: ResNetConfig, batchNorm mode: BatchNormMode) throws {
        guard ResNetConfig.supportedDepths.contains(config.depth) else {
            throw VisionModelError.unknownArchitecture("resnet\(config.depth)")
        }
        self.config = config
        self.batchNormMode = mode
        let epsilon = config.batchNormEpsilon
        let base = config.baseWidth
        stem = try ConvolutionBatchNorm(source, convolutionName: "conv1", normName: "bn1", inputChannels: 3,
                                        outputChannels: base, kernel: 7, stride: 2, padding: .symmetric(3),
                                        epsilon: epsilon, activation: .relu, mode: mode)
        var inputChannels = base
        var stages: [ModuleList<ResidualBlock>] = []
        for (index, count) in config.blockCounts.enumerated() {
            let width = base << index
            let stageSource = source.scoped("layer\(index + 1)")
            var blocks: [ResidualBlock] = []
            for blockIndex in 0..<count {
                let stride = blockIndex == 0 && index > 0 ? 2 : 1
                let block = try ResidualBlock(stageSource.scoped(blockIndex), inputChannels: inputChannels, width: width,
                                              stride: stride, bottleneck: config.usesBottleneck, epsilon: epsilon,
                                              mode: mode)
                blocks.append(block)
                inputChannels = width * config.expansion
            }
            stages.append(ModuleList(blocks))
        }
        self.stages = stages
        classifier = try config.numClasses.map {
            try source.scoped("fc").linear(inputSize: config.featureSize, outputSize: $0)
        }
        setTraining(false)
    }

    /// Keys a checkpoint may carry that the model does not read.
    public static let ignoredKeys = ["*num_batches_tracked"]

    public var featureSize: Int { config.featureSize }
    public var classCount: Int? { config.numClasses }
    public var stageNames: [String] { ["stem", "layer1", "layer2", "layer3", "layer4"] }

    public var children: [(String, any Module)] {
        var result: [(String, any Module)] = [("conv1", stem.convolution), ("bn1", stem.norm)]
        for (index, stage) in stages.enumerated() { result.append(("layer\(index + 1)", stage)) }
        if let classifier { result.append(("fc", classifier)) }
        return result
    }

    /// Runs the network on `images` [N, 3, H, W]; see the type's documentation for shapes.
    public func features(_ images: Tensor, outputs: VisionOutputs) -> VisionFeatures {
        precondition(images.rank == 4 && images.shape[1] == 3, "ResNet: images must be [N, 3, H, W], got \(images.shape)")
        var result = VisionFeatures()
        var x = stem(images.toChannelsLast())
        if outputs.contains(.stages) { result.stages.append(("stem", x.toChannelsFirst())) }
        x = x.maxPoolNHWC(kernel: 3, stride: 2, padding: 1)
        for (index, stage) in stages.enumerated() {
            for block in stage.modules { x = block(x) }
            if outputs.contains(.stages) { result.stages.append(("layer\(index + 1)", x.toChannelsFirst())) }
        }
        finish(lastMap: x, outputs: outputs, classifier: classifier, into: &result)
        return result
    }
}

/// One residual block: basic (3x3, 3x3) or bottleneck (1x1, 3x3 with the stride, 1x1),
/// with a 1x1 projection `downsample` when the shape changes; y = relu(F(x) + shortcut(x)).
final class ResidualBlock: Module {
    var isTraining = false
    let units: [(convolutionName: String, normName: String, unit: ConvolutionBatchNorm)]
    let downsample: ConvolutionBatchNorm?
    private let downsampleModules: ModuleList<ModuleSlot>?

    init(_ source: ParameterSource, inputChannels: Int, width: Int, stride: Int, bottleneck: Bool, epsilon: Float,
         mode: BatchNormMode) throws {
        func unit(_ index: Int, input: Int, output: Int, kernel: Int, stride: Int, activation: UnitActivation) throws
            -> (String, String, ConvolutionBatchNorm) {
            let convolutionName = "conv\(index)", normName = "bn\(index)"
            let made = try ConvolutionBatchNorm(source, convolutionName: convolutionName, normName: normName,
                                                inputChannels: input, outputChannels: output, kernel: kernel,
                                                stride: stride, padding: .symmetric(kernel / 2), epsilon: epsilon,
                                                activation: activation, mode: mode)
            return (convolutionName, normName, made)
        }
        let outputChannels = bottleneck ? width * 4 : width
        if bottleneck {
            units = [try unit(1, input: inputChannels, output: width, kernel: 1, stride: 1, activation: .relu),
                     try unit(2, input: width, output: width, kernel: 3, stride: stride, activation: .relu),
                     try unit(3, input: width, output: outputChannels, kernel: 1, stride: 1, activation: .none)]
        } else {
            units = [try unit(1, input: inputChannels, output: width, kernel: 3, stride: stride, activation: .relu),
                     try unit(2, input: width, output: width, kernel: 3, stride: 1, activation: .none)]
        }
        if stride != 1 || inputChannels != outputChannels {
            let projection = try ConvolutionBatchNorm(source.scoped("downsample"), convolutionName: "0", normName: "1",
                                                      inputChannels: inputChannels, outputChannels: outputChannels,
                                                      kernel: 1, stride: stride, padding: .symmetric(0),
                                                      epsilon: epsilon, activation: .none, mode: mode)
            downsample = projection
            downsampleModules = ModuleList([ModuleSlot(projection.convolution), ModuleSlot(projection.norm)])
        } else {
            downsample = nil
            downsampleModules = nil
        }
    }

    var children: [(String, any Module)] {
        var result: [(String, any Module)] = []
        for entry in units {
            result.append((entry.convolutionName, entry.unit.convolution))
            result.append((entry.normName, entry.unit.norm))
        }
        if let downsampleModules { result.append(("downsample", downsampleModules)) }
        return result
    }

    /// NHWC in, NHWC out.
    func callAsFunction(_ input: Tensor) -> Tensor {
        let shortcut = downsample.map { $0(input) } ?? input
        var x = input
        for entry in units.dropLast() { x = entry.unit(x) }
        // relu(bn(conv(x)) + shortcut), fused into the last convolution's output pass.
        return units[units.count - 1].unit(x, addingReLU: shortcut)
    }
}
