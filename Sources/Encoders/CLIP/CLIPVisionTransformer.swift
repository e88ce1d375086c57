import NeuralNetwork
import Tensors

/// What CLIP's vision tower returns for a batch of images.
public struct CLIPVisionOutput {
    /// The last layer's output, [B, 1 + N, D]: the class token, then the N patch tokens
    /// in row-major grid order (no final layer norm, as `transformers`).
    public let lastHiddenState: Tensor
    /// post_layernorm(class token), [B, D] (`pooler_output`).
    public let pooled: Tensor

    /// The patch tokens [B, N, D] of the last layer (the class token dropped).
    public var patchTokens: Tensor {
        lastHiddenState.slice(axis: 1, 1..<lastHiddenState.shape[1])
    }
}

/// CLIP's vision transformer (`transformers` `CLIPVisionTransformer`,
/// `models/clip/modeling_clip.py`; OpenAI `VisionTransformer` in `clip/model.py`):
///
/// ```
/// x = [class; conv(pixels) patches] + positions        [B, 1 + N, D]
/// x = pre_layrnorm(x); x = layers(x)                   (pre-norm blocks, quick GELU)
/// pooled = post_layernorm(x[:, 0])                     [B, D]
/// ```
/// The patch convolution has kernel = stride = patch size and no bias.
///
/// Keys (relative to `vision_model`): `embeddings.patch_embedding.weight` [D, C, p, p],
/// `embeddings.class_embedding` [D], `embeddings.position_embedding.weight` [N + 1, D],
/// `pre_layrnorm`, `encoder.layers.N.*` (`PreNormTransformerLayer.Keys.clip`), `post_layernorm`.
public final class CLIPVisionTransformer: Module {
    public var isTraining = true
    /// The hyper-parameters.
    public let config: CLIPVisionConfig
    /// Key `embeddings.patch_embedding`.
    public let patchEmbedding: Conv2d
    /// Key `embeddings.class_embedding`, [D].
    public let classEmbedding: Tensor
    /// Key `embeddings.position_embedding`, [N + 1, D].
    public let positionEmbedding: Embedding
    /// Key `pre_layrnorm` (sic, as the checkpoints spell it).
    public let preNorm: LayerNorm
    /// Keys `encoder.layers.N`.
    public let layers: ModuleList<PreNormTransformerLayer>
    /// Key `post_layernorm`.
    public let postNorm: LayerNorm

    /// A tower read from `weights` (the scope `vision_model`).
    /// - Throws: `CLIPError.invalidConfig`, or `WeightLoadingError` naming the key that is
    ///   missing or mis-shaped.
    public init(weights: WeightScope, config: CLIPVisionConfig) throws {
        try config.validate()
        self.config = config
        let d = config.hiddenSize, p = config.patchSize, n = config.gridSize * config.gridSize
        let embeddings = weights.scoped("embeddings")
        patchEmbedding = try Conv2d(weights: embeddings.scoped("patch_embedding"), inputChannels: config.channelCount,
                                    outputChannels: d, kernelSize: (p, p), stride: (p, p), bias: false)
        classEmbedding = try embeddings.tensor("class_embedding", shape: [d])
        positionEmbedding = try Embedding(weights: embeddings.scoped("position_embedding"), count: n + 1, dimension: d)
        preNorm = try LayerNorm(weights: weights.scoped("pre_layrnorm"), dimension: d, epsilon: config.layerNormEpsilon)
        let activation = try config.activation()
        let stack = weights.scoped("encoder.layers")
        layers = ModuleList(try (0..<config.layerCount).map { index in
            try PreNormTransformerLayer(weights: stack.scoped(index), keys: .clip, hiddenSize: d,
                                        intermediateSize: config.intermediateSize, headCount: config.attentionHeadCount,
                                        activation: activation, epsilon: config.layerNormEpsilon)
        })
        postNorm = try LayerNorm(weights: weights.scoped("post_layernorm"), dimension: d, epsilon: config.layerNormEpsilon)
    }

    /// A randomly initialised tower (weights N(0, 0.02²), biases 0, γ = 1, β = 0).
    /// - Throws: `CLIPError.invalidConfig`.
    public init(config: CLIPVisionConfig, generator: inout RandomGenerator) throws {
        try config.validate()
        self.config = config
        let d = config.hiddenSize, p = config.patchSize, n = config.gridSize * config.gridSize
        let activation = try config.activation()
        patchEmbedding = Conv2d(inputChannels: config.channelCount, outputChannels: d, kernelSize: (p, p),
                                stride: (p, p), bias: false, generator: &generator)
        classEmbedding = Initializer.parameter(Tensor.randn([d], std: 0.02, generator: &generator))
        positionEmbedding = Embedding(weight: Tensor.randn([n + 1, d], std: 0.02, generator: &generator))
        preNorm = LayerNorm(dimension: d, epsilon: config.layerNormEpsilon)
        var layerList: [PreNormTransformerLayer] = []
        for _ in 0..<config.layerCount {
            layerList.append(PreNormTransformerLayer(keys: .clip, hiddenSize: d, intermediateSize: config.intermediateSize,
                                                     headCount: config.attentionHeadCount, activation: activation,
                                                     epsilon: config.layerNormEpsilon, generator: &generator))
        }
        layers = ModuleList(layerList)
        postNorm = LayerNorm(dimension: d, epsilon: config.layerNormEpsilon)
    }

    public var ownParameters: [(String, Tensor)] { [("embeddings.class_embedding", classEmbedding)] }

    public var children: [(String, any Module)] {
        [("embeddings.patch_embedding", patchEmbedding), ("embeddings.position_embedding", positionEmbedding),
         ("pre_layrnorm", preNorm), ("encoder.layers", layers), ("post_layernorm", postNorm)]
    }

    /// Runs the tower on preprocessed `pixels` [B, C, S, S] with S = `config.imageSize`.
    /// - Throws: `CLIPError.invalidInput` for another shape.
    public func callAsFunction(_ pixels: Tensor) throws -> CLIPVisionOutput {
        let s = config.imageSize, d = config.hiddenSize
        guard pixels.rank == 4, pixels.shape[1] == config.channelCount, pixels.shape[2] == s, pixels.shape[3] == s else {
            throw CLIPError.invalidInput("pixels \(pixels.shape) must be [batch, \(config.channelCount), \(s), \(s)]; "
                + "preprocess the images to the model's image_size")
        }
        let b = pixels.shape[0], n = config.gridSize * config.gridSize
        let patches = patchEmbedding(pixels).reshaped([b, d, n]).transposed(1, 2)
        let classes = classEmbedding.reshaped([1, 1, d]).expanded(to: [b, 1, d])
        var hidden = Tensor.concat([classes, patches], axis: 1) + positionEmbedding.weight.reshaped([1, n + 1, d])
        hidden = preNorm(hidden)
        for index in 0..<layers.count { hidden = layers[index](hidden) }
        return CLIPVisionOutput(lastHiddenState: hidden, pooled: postNorm(TokenPooling.firstToken(hidden)))
    }
}
