import NeuralNetwork
import Tensors

/// A pre-norm transformer encoder layer, the block of CLIP's two towers and of ViT
/// (`transformers` `CLIPEncoderLayer`, `ViTLayer`; OpenAI's `ResidualAttentionBlock`):
///
/// ```
/// a = x + Attention(LayerNorm₁(x)) W_oᵀ + b_o
/// y = a + act(LayerNorm₂(a) W₁ᵀ + b₁) W₂ᵀ + b₂
/// ```
/// where Attention is multi-head scaled dot-product self-attention (scale 1/√(H/heads))
/// over the query, key and value projections, with an optional additive mask.
///
/// Shapes: [B, L, H] → [B, L, H]. The checkpoint keys of the eight sub-layers come from
/// `Keys` (`.clip` or `.vit`). Dropout is not applied: CLIP has none and ViT checkpoints
/// set it to 0; the layer is meant for inference and for fine-tuning without dropout.
public final class PreNormTransformerLayer: Module {
    /// The checkpoint keys of the sub-layers, relative to the layer's scope.
    public struct Keys: Sendable, Equatable {
        public var query, key, value, attentionOutput: String
        public var attentionNorm, feedForwardNorm, feedForwardIn, feedForwardOut: String

        /// `CLIPEncoderLayer`: `self_attn.{q,k,v,out}_proj`, `layer_norm1`, `layer_norm2`, `mlp.fc1`, `mlp.fc2`.
        public static let clip = Keys(query: "self_attn.q_proj", key: "self_attn.k_proj", value: "self_attn.v_proj",
                                      attentionOutput: "self_attn.out_proj", attentionNorm: "layer_norm1",
                                      feedForwardNorm: "layer_norm2", feedForwardIn: "mlp.fc1", feedForwardOut: "mlp.fc2")
        /// `ViTLayer`: `attention.attention.{query,key,value}`, `attention.output.dense`,
        /// `layernorm_before`, `layernorm_after`, `intermediate.dense`, `output.dense`.
        public static let vit = Keys(query: "attention.attention.query", key: "attention.attention.key",
                                     value: "attention.attention.value", attentionOutput: "attention.output.dense",
                                     attentionNorm: "layernorm_before", feedForwardNorm: "layernorm_after",
                                     feedForwardIn: "intermediate.dense", feedForwardOut: "output.dense")
    }

    public var isTraining = true
    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let attentionOutput: Linear
    public let attentionNorm: LayerNorm
    public let feedForwardNorm: LayerNorm
    public let feedForwardIn: Linear
    public let feedForwardOut: Linear
    /// The feed-forward activation (CLIP: quick GELU; ViT: GELU).
    public let activation: Activation
    /// Number of attention heads.
    public let headCount: Int
    /// The keys the sub-layers are listed under.
    public let keys: Keys

    /// A layer read from `weights` (the scope of one layer, e.g. `encoder.layers.3`).
    /// - Throws: `WeightLoadingError` naming the key that is missing or mis-shaped.
    public init(weights: WeightScope, keys: Keys, hiddenSize h: Int, intermediateSize i: Int, headCount: Int,
                activation: Activation, epsilon: Float) throws {
        query = try Linear(weights: weights.scoped(keys.query), inputSize: h, outputSize: h)
        key = try Linear(weights: weights.scoped(keys.key), inputSize: h, outputSize: h)
        value = try Linear(weights: weights.scoped(keys.value), inputSize: h, outputSize: h)
        attentionOutput = try Linear(weights: weights.scoped(keys.attentionOutput), inputSize: h, outputSize: h)
        attentionNorm = try LayerNorm(weights: weights.scoped(keys.attentionNorm), dimension: h, epsilon: epsilon)
        feedForwardNorm = try LayerNorm(weights: weights.scoped(keys.feedForwardNorm), dimension: h, epsilon: epsilon)
        feedForwardIn = try Linear(weights: weights.scoped(keys.feedForwardIn), inputSize: h, outputSize: i)
        feedForwardOut = try Linear(weights: weights.scoped(keys.feedForwardOut), inputSize: i, outputSize: h)
        self.activation = activation
        self.headCount = headCount
        self.keys = keys
    }

    /// A layer with weights N(0, 0.02²), biases 0, γ = 1, β = 0.
    public init(keys: Keys, hiddenSize h: Int, intermediateSize i: Int, headCount: Int, activation: Activation,
                epsilon: Float, generator: inout RandomGenerator) {
        func dense(_ input: Int, _ output: Int) -> Linear {
            Linear(weight: Tensor.randn([output, input], std: 0.02, generator: &generator), bias: Tensor.zeros([output]))
        }
        query = dense(h, h)
        key = dense(h, h)
        value = dense(h, h)
        attentionOutput = dense(h, h)
        attentionNorm = LayerNorm(dimension: h, epsilon: epsilon)
        feedForwardNorm = LayerNorm(dimension: h, epsilon: epsilon)
        feedForwardIn = dense(h, i)
        feedForwardOut = dense(i, h)
        self.activation = activation
        self.headCount = headCount
        self.keys = keys
    }

    public var children: [(String, any Module)] {
        [(keys.query, query), (keys.key, key), (keys.value, value), (keys.attentionOutput, attentionOutput),
         (keys.attentionNorm, attentionNorm), (keys.feedForwardNorm, feedForwardNorm),
         (keys.feedForwardIn, feedForwardIn), (keys.feedForwardOut, feedForwardOut)]
    }

    /// The layer applied to `hiddenState` [B, L, H]; `mask` is an additive attention mask
    /// broadcastable to [B, heads, L, L] (0 to attend, -∞ to hide) or nil.
    public func callAsFunction(_ hiddenState: Tensor, mask: Tensor? = nil) -> Tensor {
        precondition(hiddenState.rank == 3 && hiddenState.shape[2] == query.inputSize,
                     "PreNormTransformerLayer: hidden state \(hiddenState.shape) must be [B, L, \(query.inputSize)]")
        let normed = attentionNorm(hiddenState)
        var unused = RandomGenerator(seed: 0)
        let context = Tensor.multiHeadAttention(
            query: project(normed, query), key: project(normed, key), value: project(normed, value),
            heads: headCount, mask: mask, generator: &unused).output
        let attended = project(context, attentionOutput) + hiddenState
        let inner = feedForwardNorm(attended)
        let expanded: Tensor
        if activation == .gelu {
            expanded = inner.matmul(feedForwardIn.weight, transposeOther: true).addingBiasGELU(biasOf(feedForwardIn))
        } else {
            expanded = activation(project(inner, feedForwardIn))
        }
        return project(expanded, feedForwardOut) + attended
    }

    /// x Wᵀ + b.
    private func project(_ x: Tensor, _ dense: Linear) -> Tensor {
        x.matmul(dense.weight, transposeOther: true).addingBias(biasOf(dense))
    }

    private func biasOf(_ dense: Linear) -> Tensor { dense.bias ?? Tensor.zeros([dense.outputSize]) }
}
