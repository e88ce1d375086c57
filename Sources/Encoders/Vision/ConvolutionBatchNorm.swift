import Tensors
import NeuralNetwork

// The convolution + batch norm (+ activation) unit every backbone here is built from.
// Feature maps flow channels-last (NHWC) between units so the convolution kernels never
// transpose; the backbones convert to NCHW only for the maps they return.

/// Where a backbone's parameters come from: a checkpoint (strict, by key) or a seeded
/// random initialisation with the upstream model's scheme.
struct ParameterSource {
    /// The checkpoint scope, or nil for random initialisation.
    let weights: WeightScope?
    /// Generator for random initialisation, shared by every scope derived from one root.
    let random: RandomBox

    init(weights: WeightScope) {
        self.weights = weights
        self.random = RandomBox(seed: 0)
    }

    init(seed: UInt64) {
        self.weights = nil
        self.random = RandomBox(seed: seed)
    }

    private init(weights: WeightScope?, random: RandomBox) {
        self.weights = weights
        self.random = random
    }

    func scoped(_ name: String) -> ParameterSource {
        ParameterSource(weights: weights?.scoped(name), random: random)
    }

    func scoped(_ index: Int) -> ParameterSource { scoped(String(index)) }

    /// A convolution with key `weight` [Cout, Cin/groups, k, k]; random init is
    /// `kaiming_normal_(mode="fan_out", nonlinearity="relu")` as torchvision's models.
    func convolution(outputChannels: Int, inputChannels: Int, kernel: Int, stride: Int = 1, groups: Int = 1,
                     padding: ConvolutionPadding) throws -> Convolution2d {
        let shape = [outputChannels, inputChannels / groups, kernel, kernel]
        let weight: Tensor
        if let weights {
            weight = try weights.tensor("weight", shape: shape)
        } else {
            let fanOut = outputChannels / groups * kernel * kernel
            weight = Initializer.normal(shape, std: (2 / Float(fanOut)).squareRoot(), generator: &random.generator)
        }
        return Convolution2d(weight: weight, stride: stride, groups: groups, padding: padding)
    }

    /// A batch norm (γ = 1, β = 0, μ = 0, σ² = 1 when random).
    func batchNorm(channels: Int, epsilon: Float) throws -> BatchNorm {
        if let weights { return try BatchNorm(weights: weights, channelCount: channels, epsilon: epsilon) }
        return BatchNorm(channelCount: channels, epsilon: epsilon)
    }

    /// A linear layer (PyTorch's default init when random).
    func linear(inputSize: Int, outputSize: Int) throws -> Linear {
        if let weights { return try Linear(weights: weights, inputSize: inputSize, outputSize: outputSize) }
        return Linear(inputSize: inputSize, outputSize: outputSize, generator: &random.generator)
    }
}

/// A random generator shared by reference.
final class RandomBox {
    var generator: RandomGenerator
    init(seed: UInt64) { generator = RandomGenerator(seed: seed) }
}

/// How a convolution pads its input.
enum ConvolutionPadding {
    /// The same number of zeros on every side (PyTorch's `padding=`).
    case symmetric(Int)
    /// TensorFlow's "SAME": output extent ⌈input/stride⌉, total padding
    /// max((out − 1)·s + k − in, 0) split with the smaller half before (top/left), as the
    /// `efficientnet_pytorch` family's `Conv2dDynamicSamePadding`.
    case tensorFlowSame
}

/// A 2-D convolution without bias holding PyTorch's `weight` [Cout, Cin/groups, k, k].
final class Convolution2d: Module {
    var isTraining = false
    let weight: Tensor
    let stride: Int
    let groups: Int
    let padding: ConvolutionPadding

    init(weight: Tensor, stride: Int, groups: Int, padding: ConvolutionPadding) {
        self.weight = weight
        self.stride = stride
        self.groups = groups
        self.padding = padding
    }

    var ownParameters: [(String, Tensor)] { [("weight", weight)] }
    var kernel: Int { weight.shape[2] }
    var outputChannels: Int { weight.shape[0] }

    /// NHWC in, NHWC out, with `weight` and `bias` (the folded ones or the layer's own),
    /// then `+ residual` and ReLU when asked, fused into the convolution's output pass.
    func apply(_ input: Tensor, weight: Tensor, bias: Tensor?, residual: Tensor? = nil, relu: Bool = false) -> Tensor {
        switch padding {
        case let .symmetric(amount):
            return input.conv2dNHWC(weight: weight, bias: bias, stride: (stride, stride), padding: (amount, amount),
                                    groups: groups, residual: residual, relu: relu)
        case .tensorFlowSame:
            let (top, bottom) = Self.samePadding(input.shape[1], kernel: kernel, stride: stride)
            let (left, right) = Self.samePadding(input.shape[2], kernel: kernel, stride: stride)
            if top == bottom && left == right {
                return input.conv2dNHWC(weight: weight, bias: bias, stride: (stride, stride), padding: (top, left),
                                        groups: groups, residual: residual, relu: relu)
            }
            return input.zeroPaddedNHWC(top: top, bottom: bottom, left: left, right: right)
                .conv2dNHWC(weight: weight, bias: bias, stride: (stride, stride), groups: groups, residual: residual,
                            relu: relu)
        }
    }

    /// (before, after) zeros for TensorFlow "SAME" padding along one axis.
    static func samePadding(_ size: Int, kernel: Int, stride: Int) -> (Int, Int) {
        let output = (size + stride - 1) / stride
        let total = Swift.max((output - 1) * stride + kernel - size, 0)
        return (total / 2, total - total / 2)
    }
}

/// The activation after a unit.
enum UnitActivation {
    case none, relu, relu6

    func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .none: return x
        case .relu: return x.relu()
        case .relu6: return x.clamped(min: 0, max: 6)
        }
    }
}

/// Convolution, batch norm and activation on NHWC maps; with `.folded` the batch norm is
/// merged into the convolution's weight and a bias once, at construction.
final class ConvolutionBatchNorm {
    let convolution: Convolution2d
    let norm: BatchNorm
    let activation: UnitActivation
    let mode: BatchNormMode
    private let foldedWeight: Tensor?
    private let foldedBias: Tensor?

    init(convolution: Convolution2d, norm: BatchNorm, activation: UnitActivation, mode: BatchNormMode) {
        self.convolution = convolution
        self.norm = norm
        self.activation = activation
        self.mode = mode
        if mode == .folded {
            let folded = withoutGradients { () -> (Tensor, Tensor) in
                let channels = norm.channelCount
                let scale = (norm.weight ?? Tensor.ones([channels])) / (norm.runningVariance + norm.epsilon).sqrt()
                let weight = convolution.weight * scale.reshaped([channels, 1, 1, 1])
                let shift = (norm.bias ?? Tensor.zeros([channels])) - norm.runningMean * scale
                return (weight.detached(), shift.detached())
            }
            foldedWeight = folded.0
            foldedBias = folded.1
        } else {
            foldedWeight = nil
            foldedBias = nil
        }
    }

    /// Convenience: reads (or randomly initialises) `convolutionName` and `normName`.
    convenience init(_ source: ParameterSource, convolutionName: String, normName: String, inputChannels: Int,
                     outputChannels: Int, kernel: Int, stride: Int = 1, groups: Int = 1, padding: ConvolutionPadding,
                     epsilon: Float, activation: UnitActivation, mode: BatchNormMode) throws {
        let convolution = try source.scoped(convolutionName).convolution(
            outputChannels: outputChannels, inputChannels: inputChannels, kernel: kernel, stride: stride,
            groups: groups, padding: padding)
        let norm = try source.scoped(normName).batchNorm(channels: outputChannels, epsilon: epsilon)
        self.init(convolution: convolution, norm: norm, activation: activation, mode: mode)
    }

    /// NHWC [N, H, W, Cin] → [N, H', W', Cout].
    func callAsFunction(_ input: Tensor) -> Tensor {
        if let foldedWeight {
            // A ReLU runs inside the convolution's output pass.
            let fusedReLU = activation == .relu
            let output = convolution.apply(input, weight: foldedWeight, bias: foldedBias, relu: fusedReLU)
            return fusedReLU ? output : activation(output)
        }
        return activation(normalised(convolution.apply(input, weight: convolution.weight, bias: nil)))
    }

    /// `relu(unit(input) + residual)` for a unit without an activation of its own (the last
    /// unit of a residual block): with folded batch norm, one pass over the output.
    func callAsFunction(_ input: Tensor, addingReLU residual: Tensor) -> Tensor {
        precondition(activation == .none, "ConvolutionBatchNorm: residual fusion needs a unit without activation")
        if let foldedWeight {
            return convolution.apply(input, weight: foldedWeight, bias: foldedBias, residual: residual, relu: true)
        }
        return (normalised(convolution.apply(input, weight: convolution.weight, bias: nil)) + residual).relu()
    }

    private func normalised(_ convolved: Tensor) -> Tensor {
        let shape = convolved.shape
        return norm(convolved.reshaped([shape[0] * shape[1] * shape[2], shape[3]])).reshaped(shape)
    }
}

extension Tensor {
    /// Zeros added around the spatial axes of an NHWC map (differentiable: built from `concat`).
    func zeroPaddedNHWC(top: Int, bottom: Int, left: Int, right: Int) -> Tensor {
        var result = self
        let (n, h, c) = (shape[0], shape[1], shape[3])
        if top > 0 || bottom > 0 {
            let width = shape[2]
            var parts: [Tensor] = []
            if top > 0 { parts.append(Tensor.zeros([n, top, width, c])) }
            parts.append(result)
            if bottom > 0 { parts.append(Tensor.zeros([n, bottom, width, c])) }
            result = Tensor.concat(parts, axis: 1)
        }
        if left > 0 || right > 0 {
            let height = h + top + bottom
            var parts: [Tensor] = []
            if left > 0 { parts.append(Tensor.zeros([n, height, left, c])) }
            parts.append(result)
            if right > 0 { parts.append(Tensor.zeros([n, height, right, c])) }
            result = Tensor.concat(parts, axis: 2)
        }
        return result
    }

    /// Max pooling on an NHWC map (torchvision ResNet's 3x3 stride-2 stem pool): padding
    /// counts as -inf, as in PyTorch. Without a gradient to record it runs channels-last
    /// directly; otherwise through the differentiable NCHW `maxPool2d`.
    func maxPoolNHWC(kernel: Int, stride: Int, padding: Int) -> Tensor {
        if requiresGrad {
            return toChannelsFirst()
                .maxPool2d(kernel: (kernel, kernel), stride: (stride, stride), padding: (padding, padding))
                .toChannelsLast()
        }
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        let outputHeight = (h + 2 * padding - kernel) / stride + 1
        let outputWidth = (w + 2 * padding - kernel) / stride + 1
        let input = self
        return Tensor(shape: [n, outputHeight, outputWidth, c]) { output in
            let source = UnsafePointer(input.storage.pointer)
            let destination = output.baseAddress!
            let rows = n * outputHeight
            Parallel.forEachChunk(rows, costPerItem: outputWidth * kernel * kernel * c) { range in
                for row in range {
                    let image = row / outputHeight, oh = row % outputHeight
                    let top = Swift.max(oh * stride - padding, 0), bottom = Swift.min(oh * stride - padding + kernel, h)
                    for ow in 0..<outputWidth {
                        let left = Swift.max(ow * stride - padding, 0), right = Swift.min(ow * stride - padding + kernel, w)
                        let out = destination + (row * outputWidth + ow) * c
                        for channel in 0..<c { out[channel] = -Float.infinity }
                        for y in top..<bottom {
                            for x in left..<right {
                                let pixel = source + ((image * h + y) * w + x) * c
                                for channel in 0..<c { out[channel] = Swift.max(out[channel], pixel[channel]) }
                            }
                        }
                    }
                }
            }
        }
    }
}
