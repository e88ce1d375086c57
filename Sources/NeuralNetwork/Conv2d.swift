/// A 2-D convolution over NCHW input, `torch.nn.Conv2d` (zero padding):
///
/// y[n, o] = b[o] + Σ_c w[o, c] ⋆ x[n, g·Cin/G + c], with g the group of output channel o.
///
/// Shapes: input [N, Cin, H, W] → output [N, Cout, Hout, Wout] with
/// Hout = ⌊(H + 2·padding₀ − dilation₀·(kh − 1) − 1) / stride₀⌋ + 1 (likewise Wout).
/// Keys: `weight` [Cout, Cin/groups, kh, kw], `bias` [Cout].
public final class Conv2d: UnaryLayer {
    public var isTraining = true
    /// [Cout, Cin/groups, kh, kw].
    public let weight: Tensor
    /// [Cout], or nil without bias.
    public let bias: Tensor?
    /// Step between output positions (height, width).
    public let stride: (Int, Int)
    /// Zero padding added on each side (height, width).
    public let padding: (Int, Int)
    /// Spacing between kernel taps (height, width).
    public let dilation: (Int, Int)
    /// Number of channel groups; Cin and Cout are both divisible by it.
    public let groups: Int

    /// Number of input channels.
    public var inputChannels: Int { weight.shape[1] * groups }
    /// Number of output channels.
    public var outputChannels: Int { weight.shape[0] }

    /// A layer with PyTorch's default initialisation: weight `kaiming_uniform_(a=√5)`, i.e.
    /// U(-1/√fanIn, 1/√fanIn) with fanIn = Cin/groups·kh·kw, and bias U(-1/√fanIn, 1/√fanIn).
    public init(inputChannels: Int, outputChannels: Int, kernelSize: (Int, Int),
                stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1),
                groups: Int = 1, bias: Bool = true, generator: inout RandomGenerator) {
        Self.checkGroups(inputChannels: inputChannels, outputChannels: outputChannels, groups: groups)
        let shape = [outputChannels, inputChannels / groups, kernelSize.0, kernelSize.1]
        weight = Initializer.kaimingUniform(shape, generator: &generator)
        let bound = 1 / Float(Swift.max(Initializer.fans(shape).fanIn, 1)).squareRoot()
        self.bias = bias ? Initializer.uniform([outputChannels], bound: bound, generator: &generator) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    /// A layer reading `weight` (and `bias` when `bias` is true) from `weights`.
    /// - Throws: `WeightLoadingError` naming the key that is missing or mis-shaped.
    public init(weights: WeightScope, inputChannels: Int, outputChannels: Int, kernelSize: (Int, Int),
                stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1),
                groups: Int = 1, bias: Bool = true) throws {
        Self.checkGroups(inputChannels: inputChannels, outputChannels: outputChannels, groups: groups)
        weight = try weights.tensor("weight", shape: [outputChannels, inputChannels / groups, kernelSize.0, kernelSize.1])
        self.bias = bias ? try weights.tensor("bias", shape: [outputChannels]) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    private static func checkGroups(inputChannels: Int, outputChannels: Int, groups: Int) {
        precondition(groups > 0 && inputChannels % groups == 0 && outputChannels % groups == 0,
                     "Conv2d: channels \(inputChannels) → \(outputChannels) not divisible by \(groups) groups")
    }

    public var ownParameters: [(String, Tensor)] {
        bias.map { [("weight", weight), ("bias", $0)] } ?? [("weight", weight)]
    }

    /// The convolution of `input` [N, Cin, H, W].
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == inputChannels,
                     "Conv2d: input \(input.shape) must be [batch, \(inputChannels), height, width]")
        return input.conv2d(weight: weight, bias: bias, stride: stride, padding: padding,
                            dilation: dilation, groups: groups)
    }
}
