import NeuralNetwork
import Tensors

/// CLIP (`transformers` `CLIPModel`, `models/clip/modeling_clip.py`; OpenAI `CLIP` in
/// `clip/model.py`): a text and a vision transformer whose pooled outputs are projected
/// into one space, where the cosine similarity of an image and a text, scaled by
/// exp(logit_scale), is the match score.
///
/// Keys: `text_model.*` (`CLIPTextTransformer`), `vision_model.*` (`CLIPVisionTransformer`),
/// `text_projection.weight` [P, Dt], `visual_projection.weight` [P, Dv] (no biases),
/// `logit_scale` (a scalar). OpenAI / open_clip checkpoints are read through
/// `CLIPModel.init(openAIWeights:)` (see CLIPLoading.swift for the name table).
///
/// ```swift
/// let model = try CLIPModel(directory: HuggingFaceDirectory(url))
/// let images = try model.imageEmbeddings(pixels)                       // [B, P]
/// let texts = try model.textEmbeddings(ids: rows, attentionMask: masks) // [T, P]
/// let logits = model.logitsPerImage(imageEmbeddings: images, textEmbeddings: texts) // [B, T]
/// ```
public final class CLIPModel: Module {
    public var isTraining = true
    /// The hyper-parameters.
    public let config: CLIPConfig
    /// Key `text_model`.
    public let textModel: CLIPTextTransformer
    /// Key `vision_model`.
    public let visionModel: CLIPVisionTransformer
    /// Key `text_projection` (no bias).
    public let textProjection: Linear
    /// Key `visual_projection` (no bias).
    public let visualProjection: Linear
    /// Key `logit_scale`: log of the similarity temperature's inverse, a scalar.
    public let logitScale: Tensor

    /// A model read from `weights` keyed as a Hugging Face `CLIPModel`, strictly: every
    /// tensor must be present with the config's shape and every key used, apart from
    /// `allowingUnusedKeys` (default: the `position_ids` buffers older checkpoints saved).
    /// - Throws: `CLIPError.invalidConfig`, or `WeightLoadingError` naming the offending key.
    public init(weights: WeightScope, config: CLIPConfig, textPooling: CLIPTextPooling? = nil,
                allowingUnusedKeys allowed: [String] = CLIPModel.ignorableKeys) throws {
        guard config.projectionSize > 0 else { throw CLIPError.invalidConfig("projection_dim must be positive") }
        self.config = config
        textModel = try CLIPTextTransformer(weights: weights.scoped("text_model"), config: config.text, pooling: textPooling)
        visionModel = try CLIPVisionTransformer(weights: weights.scoped("vision_model"), config: config.vision)
        textProjection = try Linear(weights: weights.scoped("text_projection"), inputSize: config.text.hiddenSize,
                                    outputSize: config.projectionSize, bias: false)
        visualProjection = try Linear(weights: weights.scoped("visual_projection"), inputSize: config.vision.hiddenSize,
                                      outputSize: config.projectionSize, bias: false)
        logitScale = try weights.tensor("logit_scale", shape: [])
        try weights.verifyAllUsed(allowing: allowed)
    }

    /// A randomly initialised model (the benchmark's and tests' stand-in for real weights);
    /// logit_scale starts at `config.logitScaleInitialValue`.
    /// - Throws: `CLIPError.invalidConfig`.
    public init(config: CLIPConfig, seed: UInt64 = 0) throws {
        guard config.projectionSize > 0 else { throw CLIPError.invalidConfig("projection_dim must be positive") }
        self.config = config
        var generator = RandomGenerator(seed: seed)
        textModel = try CLIPTextTransformer(config: config.text, generator: &generator)
        visionModel = try CLIPVisionTransformer(config: config.vision, generator: &generator)
        textProjection = Linear(weight: Tensor.randn([config.projectionSize, config.text.hiddenSize], std: 0.02,
                                                     generator: &generator), bias: nil)
        visualProjection = Linear(weight: Tensor.randn([config.projectionSize, config.vision.hiddenSize], std: 0.02,
                                                       generator: &generator), bias: nil)
        logitScale = Initializer.parameter(Tensor(scalar: config.logitScaleInitialValue))
    }

    /// Buffers some checkpoints carry that hold no weights of the model.
    public static let ignorableKeys = ["text_model.embeddings.position_ids", "vision_model.embeddings.position_ids"]

    public var ownParameters: [(String, Tensor)] { [("logit_scale", logitScale)] }

    public var children: [(String, any Module)] {
        [("text_model", textModel), ("vision_model", visionModel), ("text_projection", textProjection),
         ("visual_projection", visualProjection)]
    }

    /// text_projection(pooled text state), [B, P] (`get_text_features`), not normalised.
    /// - Throws: `CLIPError.invalidInput` (see `CLIPTextTransformer`).
    public func textEmbeddings(ids: [[Int]], attentionMask: [[Int]]? = nil) throws -> Tensor {
        textProjection(try textModel(ids: ids, attentionMask: attentionMask).pooled)
    }

    /// visual_projection(pooled image state), [B, P] (`get_image_features`), not normalised.
    /// - Throws: `CLIPError.invalidInput` for pixels of the wrong shape.
    public func imageEmbeddings(_ pixels: Tensor) throws -> Tensor {
        visualProjection(try visionModel(pixels).pooled)
    }

    /// exp(logit_scale) · cos(image i, text j): [I, P] and [T, P] → [I, T]
    /// (`logits_per_image`; its transpose is `logits_per_text`).
    public func logitsPerImage(imageEmbeddings: Tensor, textEmbeddings: Tensor) -> Tensor {
        CLIPModel.logitsPerImage(imageEmbeddings: imageEmbeddings, textEmbeddings: textEmbeddings, logitScale: logitScale)
    }

    /// exp(`logitScale`) · normalize(images) · normalize(texts)ᵀ, [I, T].
    static func logitsPerImage(imageEmbeddings: Tensor, textEmbeddings: Tensor, logitScale: Tensor) -> Tensor {
        let similarity = imageEmbeddings.l2Normalized().matmul(textEmbeddings.l2Normalized(), transposeOther: true)
        return similarity * logitScale.exp()
    }
}
