import NeuralNetwork
import Tensors

/// One transformer layer of BERT / RoBERTa (`transformers` `BertLayer`, post-norm):
///
/// ```
/// a = LayerNorm₁(dropout(Attention(x) W_oᵀ + b_o) + x)
/// y = LayerNorm₂(dropout(act(a W_iᵀ + b_i) W_2ᵀ + b_2) + a)
/// ```
/// where Attention is multi-head scaled dot-product self-attention over the query, key
/// and value projections with the additive padding mask.
///
/// Shapes: [B, L, H] → [B, L, H]. Keys (relative to `encoder.layer.N`):
/// `attention.self.{query,key,value}`, `attention.output.dense`,
/// `attention.output.LayerNorm`, `intermediate.dense`, `output.dense`, `output.LayerNorm`.
///
/// The forward runs the bias, GELU, residual and layer-norm passes fused into the pass
/// after each GEMM; every fused op has its own backward rule, so the layer trains too.
public final class BertLayer: Module {
    public var isTraining = true
    /// Key `attention.self.query`.
    public let query: Linear
    /// Key `attention.self.key`.
    public let key: Linear
    /// Key `attention.self.value`.
    public let value: Linear
    /// Key `attention.output.dense`.
    public let attentionOutput: Linear
    /// Key `attention.output.LayerNorm`.
    public let attentionNorm: LayerNorm
    /// Key `intermediate.dense`.
    public let intermediate: Linear
    /// Key `output.dense`.
    public let output: Linear
    /// Key `output.LayerNorm`.
    public let outputNorm: LayerNorm
    /// The feed-forward activation (`hidden_act`).
    public let activation: Activation
    /// Number of attention heads.
    public let headCount: Int
    /// Dropout on both sub-layer outputs (training only), key `output.dropout`.
    let hiddenDropout: Dropout
    let attentionDropoutProbability: Float
    private var generator: RandomGenerator

    /// A layer initialised as `transformers` does: weights N(0, 0.02²), biases 0, γ = 1, β = 0.
    public init(config: BertConfig, generator: inout RandomGenerator) throws {
        let h = config.hiddenSize, i = config.intermediateSize
        func dense(_ input: Int, _ output: Int) -> Linear {
            Linear(weight: Tensor.randn([output, input], std: 0.02, generator: &generator), bias: Tensor.zeros([output]))
        }
        query = dense(h, h)
        key = dense(h, h)
        value = dense(h, h)
        attentionOutput = dense(h, h)
        attentionNorm = LayerNorm(dimension: h, epsilon: config.layerNormEpsilon)
        intermediate = dense(h, i)
        output = dense(i, h)
        outputNorm = LayerNorm(dimension: h, epsilon: config.layerNormEpsilon)
        activation = try config.activation()
        headCount = config.attentionHeadCount
        hiddenDropout = Dropout(probability: config.hiddenDropoutProbability, generator: &generator)
        attentionDropoutProbability = config.attentionDropoutProbability
        self.generator = generator.split()
    }

    /// A layer read from `weights` (the scope `encoder.layer.N`).
    /// - Throws: `WeightLoadingError` naming the key that is missing or mis-shaped.
    public init(weights: WeightScope, config: BertConfig, seed: UInt64 = 0) throws {
        let h = config.hiddenSize, i = config.intermediateSize, epsilon = config.layerNormEpsilon
        let attention = weights.scoped("attention")
        query = try Linear(weights: attention.scoped("self.query"), inputSize: h, outputSize: h)
        key = try Linear(weights: attention.scoped("self.key"), inputSize: h, outputSize: h)
        value = try Linear(weights: attention.scoped("self.value"), inputSize: h, outputSize: h)
        attentionOutput = try Linear(weights: attention.scoped("output.dense"), inputSize: h, outputSize: h)
        attentionNorm = try LayerNorm(weights: attention.scoped("output.LayerNorm"), dimension: h, epsilon: epsilon)
        intermediate = try Linear(weights: weights.scoped("intermediate.dense"), inputSize: h, outputSize: i)
        output = try Linear(weights: weights.scoped("output.dense"), inputSize: i, outputSize: h)
        outputNorm = try LayerNorm(weights: weights.scoped("output.LayerNorm"), dimension: h, epsilon: epsilon)
        activation = try config.activation()
        headCount = config.attentionHeadCount
        var seeds = RandomGenerator(seed: seed)
        hiddenDropout = Dropout(probability: config.hiddenDropoutProbability, generator: &seeds)
        attentionDropoutProbability = config.attentionDropoutProbability
        generator = seeds.split()
    }

    public var children: [(String, any Module)] {
        [("attention.self.query", query), ("attention.self.key", key), ("attention.self.value", value),
         ("attention.output.dense", attentionOutput), ("attention.output.LayerNorm", attentionNorm),
         ("intermediate.dense", intermediate), ("output.dense", output), ("output.LayerNorm", outputNorm),
         ("output.dropout", hiddenDropout)]
    }

    /// The layer applied to `hiddenState` [B, L, H]; `mask` is the additive attention mask
    /// [B, 1, L] (0 for a token, -∞ for padding) or nil.
    public func callAsFunction(_ hiddenState: Tensor, mask: Tensor?) -> Tensor {
        let h = hiddenState.shape[2]
        precondition(hiddenState.rank == 3 && h == query.inputSize,
                     "BertLayer: hidden state \(hiddenState.shape) must be [B, L, \(query.inputSize)]")
        let q = query.affine(hiddenState)
        let k = key.affine(hiddenState)
        let v = value.affine(hiddenState)
        let dropout: Float = isTraining ? attentionDropoutProbability : 0
        let context = Tensor.multiHeadAttention(query: q, key: k, value: v, heads: headCount, mask: mask,
                                                dropout: dropout, generator: &generator).output
        let attended = attentionOutput.closingSublayer(context, norm: attentionNorm, residual: hiddenState,
                                                       dropout: hiddenDropout, training: isTraining)
        return postNormFeedForward(attended, intermediate: intermediate, output: output, norm: outputNorm,
                                   activation: activation, dropout: hiddenDropout, training: isTraining)
    }
}
