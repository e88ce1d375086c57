/// Layer normalisation over the last dimension, `torch.nn.LayerNorm(dimension)`:
/// y = (x - mean) / √(var + ε) ⊙ γ + β with the biased variance.
///
/// Shapes: input [..., dimension] → same. Keys: `weight` (γ), `bias` (β), both [dimension].
public final class LayerNorm: UnaryLayer {
    public var isTraining = true
    /// γ, [dimension], or nil without elementwise affine.
    public let weight: Tensor?
    /// β, [dimension], or nil.
    public let bias: Tensor?
    /// ε added to the variance.
    public let epsilon: Float
    /// The normalised dimension.
    public let dimension: Int

    /// A layer with γ = 1 and β = 0 (PyTorch's initialisation).
    public init(dimension: Int, epsilon: Float = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        self.dimension = dimension
        self.epsilon = epsilon
        weight = elementwiseAffine ? Initializer.ones([dimension]) : nil
        self.bias = elementwiseAffine && bias ? Initializer.zeros([dimension]) : nil
    }

    /// A layer reading `weight` and `bias` [dimension] from `weights`.
    /// - Throws: `WeightLoadingError` naming the key that is missing or mis-shaped.
    public init(weights: WeightScope, dimension: Int, epsilon: Float = 1e-5, bias: Bool = true) throws {
        self.dimension = dimension
        self.epsilon = epsilon
        weight = try weights.tensor("weight", shape: [dimension])
        self.bias = bias ? try weights.tensor("bias", shape: [dimension]) : nil
    }

    public var ownParameters: [(String, Tensor)] {
        var result: [(String, Tensor)] = []
        if let weight { result.append(("weight", weight)) }
        if let bias { result.append(("bias", bias)) }
        return result
    }

    /// The normalised input (fused kernel with its own backward).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == dimension,
                     "LayerNorm: input \(input.shape) does not end in \(dimension)")
        return input.layerNorm(weight: weight, bias: bias, epsilon: epsilon)
    }
}
