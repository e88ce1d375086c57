/// One transformer encoder block, `torch.nn.TransformerEncoderLayer(batch_first=True)`:
///
/// post-norm (`normFirst == false`, PyTorch's default):
///   x = norm1(x + dropout1(selfAttention(x)));  x = norm2(x + dropout2(feedForward(x)))
/// pre-norm (`normFirst == true`):
///   x = x + dropout1(selfAttention(norm1(x)));  x = x + dropout2(feedForward(norm2(x)))
/// with feedForward(x) = linear2(dropout(activation(linear1(x)))).
///
/// Shapes: [B, L, E] → [B, L, E]. Keys: `self_attn.*` (see `MultiHeadAttention`),
/// `linear1.weight` [F, E], `linear1.bias`, `linear2.weight` [E, F], `linear2.bias`,
/// `norm1.weight`, `norm1.bias`, `norm2.weight`, `norm2.bias`.
public final class TransformerEncoderLayer: Module {
    public var isTraining = true
    /// Key `self_attn`.
    public let selfAttention: MultiHeadAttention
    /// Key `linear1`: E → F.
    public let linear1: Linear
    /// Key `linear2`: F → E.
    public let linear2: Linear
    /// Key `norm1`.
    public let norm1: LayerNorm
    /// Key `norm2`.
    public let norm2: LayerNorm
    /// The feed-forward activation (PyTorch default relu).
    public let activation: Activation
    /// Whether layer norm comes before each sub-block (pre-norm).
    public let normFirst: Bool
    let dropout: Dropout
    let dropout1: Dropout
    let dropout2: Dropout

    /// A block with PyTorch's initialisation for each sub-layer.
    public init(embedDimension: Int, headCount: Int, feedForwardDimension: Int = 2048,
                dropout: Float = 0.1, activation: Activation = .relu, layerNormEpsilon: Float = 1e-5,
                normFirst: Bool = false, generator: inout RandomGenerator) {
        selfAttention = MultiHeadAttention(embedDimension: embedDimension, headCount: headCount,
                                           dropout: dropout, generator: &generator)
        linear1 = Linear(inputSize: embedDimension, outputSize: feedForwardDimension, generator: &generator)
        linear2 = Linear(inputSize: feedForwardDimension, outputSize: embedDimension, generator: &generator)
        norm1 = LayerNorm(dimension: embedDimension, epsilon: layerNormEpsilon)
        norm2 = LayerNorm(dimension: embedDimension, epsilon: layerNormEpsilon)
        self.activation = activation
        self.normFirst = normFirst
        self.dropout = Dropout(probability: dropout, generator: &generator)
        dropout1 = Dropout(probability: dropout, generator: &generator)
        dropout2 = Dropout(probability: dropout, generator: &generator)
    }

    /// A block reading its sub-layers from `weights`; dropout masks are seeded from `seed`.
    /// - Throws: `WeightLoadingError` naming the key that is missing or mis-shaped.
    public init(weights: WeightScope, embedDimension: Int, headCount: Int, feedForwardDimension: Int = 2048,
                dropout: Float = 0.1, activation: Activation = .relu, layerNormEpsilon: Float = 1e-5,
                normFirst: Bool = false, seed: UInt64 = 0) throws {
        var generator = RandomGenerator(seed: seed)
        selfAttention = try MultiHeadAttention(weights: weights.scoped("self_attn"), embedDimension: embedDimension,
                                               headCount: headCount, dropout: dropout, seed: generator.next())
        linear1 = try Linear(weights: weights.scoped("linear1"), inputSize: embedDimension, outputSize: feedForwardDimension)
        linear2 = try Linear(weights: weights.scoped("linear2"), inputSize: feedForwardDimension, outputSize: embedDimension)
        norm1 = try LayerNorm(weights: weights.scoped("norm1"), dimension: embedDimension, epsilon: layerNormEpsilon)
        norm2 = try LayerNorm(weights: weights.scoped("norm2"), dimension: embedDimension, epsilon: layerNormEpsilon)
        self.activation = activation
        self.normFirst = normFirst
        self.dropout = Dropout(probability: dropout, generator: &generator)
        dropout1 = Dropout(probability: dropout, generator: &generator)
        dropout2 = Dropout(probability: dropout, generator: &generator)
    }

    public var children: [(String, any Module)] {
        [("self_attn", selfAttention), ("linear1", linear1), ("dropout", dropout), ("linear2", linear2),
         ("norm1", norm1), ("norm2", norm2), ("dropout1", dropout1), ("dropout2", dropout2)]
    }

    /// The block applied to `input` [B, L, E]; `keyPaddingMask` [B][L] is true at padding
    /// positions, `attentionMask` is additive ([L, L] or [B, h, L, L]).
    public func callAsFunction(_ input: Tensor, keyPaddingMask: [[Bool]]? = nil,
                               attentionMask: Tensor? = nil) -> Tensor {
        func selfAttentionBlock(_ x: Tensor) -> Tensor {
            dropout1(selfAttention(x, keyPaddingMask: keyPaddingMask, attentionMask: attentionMask).output)
        }
        func feedForwardBlock(_ x: Tensor) -> Tensor {
            dropout2(linear2(dropout(activation(linear1(x)))))
        }
        if normFirst {
            let x = input + selfAttentionBlock(norm1(input))
            return x + feedForwardBlock(norm2(x))
        }
        let x = norm1(input + selfAttentionBlock(input))
        return norm2(x + feedForwardBlock(x))
    }
}
