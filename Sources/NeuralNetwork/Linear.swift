/// A fully connected layer, `torch.nn.Linear`: y = x Wᵀ + b.
///
/// Shapes: input [..., inputSize] → output [..., outputSize]; `weight` is
/// [outputSize, inputSize] (PyTorch layout), `bias` is [outputSize].
/// Keys: `weight`, `bias`.
///
/// ```swift
/// var generator = RandomGenerator(seed: 0)
/// let dense = Linear(inputSize: 768, outputSize: 3, generator: &generator)
/// let logits = dense(features)            // [batch, 768] → [batch, 3]
/// ```
public final class Linear: UnaryLayer {
    public var isTraining = true
    /// [outputSize, inputSize].
    public let weight: Tensor
    /// [outputSize], or nil for a layer without bias.
    public let bias: Tensor?

    /// Number of input features.
    public var inputSize: Int { weight.shape[1] }
    /// Number of output features.
    public var outputSize: Int { weight.shape[0] }

    /// A layer with PyTorch's default initialisation: weight `kaiming_uniform_(a=√5)`,
    /// i.e. U(-1/√inputSize, 1/√inputSize), and bias U(-1/√inputSize, 1/√inputSize).
    public init(inputSize: Int, outputSize: Int, bias: Bool = true, generator: inout RandomGenerator) {
        weight = Initializer.kaimingUniform([outputSize, inputSize], generator: &generator)
        let bound = 1 / Float(Swift.max(inputSize, 1)).squareRoot()
        self.bias = bias ? Initializer.uniform([outputSize], bound: bound, generator: &generator) : nil
    }

    /// A layer reading `weight` (and `bias` when `bias` is true) from `weights`.
    /// - Throws: `WeightLoadingError` naming the key that is missing or mis-shaped.
    public init(weights: WeightScope, inputSize: Int, outputSize: Int, bias: Bool = true) throws {
        weight = try weights.tensor("weight", shape: [outputSize, inputSize])
        self.bias = bias ? try weights.tensor("bias", shape: [outputSize]) : nil
    }

    /// A layer holding the given tensors (made trainable leaves).
    public init(weight: Tensor, bias: Tensor?) {
        precondition(weight.rank == 2, "Linear: weight must be [out, in], got \(weight.shape)")
        if let bias { precondition(bias.shape == [weight.shape[0]], "Linear: bias \(bias.shape) for weight \(weight.shape)") }
        self.weight = Initializer.parameter(weight)
        self.bias = bias.map(Initializer.parameter)
    }

    public var ownParameters: [(String, Tensor)] {
        bias.map { [("weight", weight), ("bias", $0)] } ?? [("weight", weight)]
    }

    /// y = x Wᵀ + b over the last dimension.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == inputSize,
                     "Linear: input \(input.shape) does not end in \(inputSize)")
        let product = input.rank == 1
            ? input.unsqueezed(0).matmul(weight, transposeOther: true).squeezed(0)
            : input.matmul(weight, transposeOther: true)
        return bias.map { product + $0 } ?? product
    }
}
