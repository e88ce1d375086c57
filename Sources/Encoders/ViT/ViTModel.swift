import Foundation
import NeuralNetwork
import Tensors

/// A ViT `config.json` (`transformers` `ViTConfig`); absent keys take the defaults of
/// `google/vit-base-patch16-224`.
public struct ViTConfig: Codable, Equatable, Sendable {
    /// `hidden_size`.
    public var hiddenSize: Int
    /// `num_hidden_layers`.
    public var layerCount: Int
    /// `num_attention_heads`.
    public var attentionHeadCount: Int
    /// `intermediate_size`.
    public var intermediateSize: Int
    /// `hidden_act`.
    public var hiddenActivation: String
    /// `image_size`.
    public var imageSize: Int
    /// `patch_size`.
    public var patchSize: Int
    /// `num_channels`.
    public var channelCount: Int
    /// `layer_norm_eps`.
    public var layerNormEpsilon: Float
    /// `qkv_bias`: only `true` is supported.
    public var queryKeyValueBias: Bool
    /// `pooler_output_size` (default: `hidden_size`).
    public var poolerOutputSize: Int?
    /// `pooler_act`.
    public var poolerActivation: String

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size", layerCount = "num_hidden_layers", attentionHeadCount = "num_attention_heads"
        case intermediateSize = "intermediate_size", hiddenActivation = "hidden_act", imageSize = "image_size"
        case patchSize = "patch_size", channelCount = "num_channels", layerNormEpsilon = "layer_norm_eps"
        case queryKeyValueBias = "qkv_bias", poolerOutputSize = "pooler_output_size", poolerActivation = "pooler_act"
    }

    /// A configuration; the defaults are ViT-B/16's.
    public init(hiddenSize: Int = 768, layerCount: Int = 12, attentionHeadCount: Int = 12, intermediateSize: Int = 3072,
                hiddenActivation: String = "gelu", imageSize: Int = 224, patchSize: Int = 16, channelCount: Int = 3,
                layerNormEpsilon: Float = 1e-12, queryKeyValueBias: Bool = true, poolerOutputSize: Int? = nil,
                poolerActivation: String = "tanh") {
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.attentionHeadCount = attentionHeadCount
        self.intermediateSize = intermediateSize
        self.hiddenActivation = hiddenActivation
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.channelCount = channelCount
        self.layerNormEpsilon = layerNormEpsilon
        self.queryKeyValueBias = queryKeyValueBias
        self.poolerOutputSize = poolerOutputSize
        self.poolerActivation = poolerActivation
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ViTConfig()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try container.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        self.init(hiddenSize: try value(.hiddenSize, defaults.hiddenSize), layerCount: try value(.layerCount, defaults.layerCount),
                  attentionHeadCount: try value(.attentionHeadCount, defaults.attentionHeadCount),
                  intermediateSize: try value(.intermediateSize, defaults.intermediateSize),
                  hiddenActivation: try value(.hiddenActivation, defaults.hiddenActivation),
                  imageSize: try value(.imageSize, defaults.imageSize), patchSize: try value(.patchSize, defaults.patchSize),
                  channelCount: try value(.channelCount, defaults.channelCount),
                  layerNormEpsilon: try value(.layerNormEpsilon, defaults.layerNormEpsilon),
                  queryKeyValueBias: try value(.queryKeyValueBias, defaults.queryKeyValueBias),
                  poolerOutputSize: try container.decodeIfPresent(Int.self, forKey: .poolerOutputSize),
                  poolerActivation: try value(.poolerActivation, defaults.poolerActivation))
    }

    /// Patches per side.
    public var gridSize: Int { imageSize / patchSize }

    func activations() throws -> (hidden: Activation, pooler: Activation) {
        guard let hidden = Activation(name: hiddenActivation) else {
            throw CLIPError.invalidConfig("ViT hidden_act '\(hiddenActivation)' is not a known activation")
        }
        guard let pooler = Activation(name: poolerActivation) else {
            throw CLIPError.invalidConfig("ViT pooler_act '\(poolerActivation)' is not a known activation")
        }
        return (hidden, pooler)
    }

    /// Checks the sizes fit together.
    /// - Throws: `CLIPError.invalidConfig` saying which value is wrong.
    public func validate() throws {
        guard hiddenSize > 0, attentionHeadCount > 0, hiddenSize % attentionHeadCount == 0 else {
            throw CLIPError.invalidConfig("ViT hidden_size \(hiddenSize) must be a positive multiple of num_attention_heads \(attentionHeadCount)")
        }
        guard patchSize > 0, imageSize >= patchSize, imageSize % patchSize == 0 else {
            throw CLIPError.invalidConfig("ViT image_size \(imageSize) must be a positive multiple of patch_size \(patchSize)")
        }
        guard queryKeyValueBias else {
            throw CLIPError.invalidConfig("ViT qkv_bias false is not supported (every published ViTModel sets it)")
        }
        _ = try activations()
    }
}

/// What a ViT returns for a batch of images.
public struct ViTOutput {
    /// layernorm(last layer's output), [B, 1 + N, D]: [CLS] then the patch tokens.
    public let lastHiddenState: Tensor
    /// pooler_act(pooler.dense(h_[CLS])), [B, P]; nil for a model without a pooler.
    public let pooled: Tensor?

    /// The patch tokens [B, N, D] (the [CLS] token dropped).
    public var patchTokens: Tensor { lastHiddenState.slice(axis: 1, 1..<lastHiddenState.shape[1]) }
}

/// The Vision Transformer (`transformers` `ViTModel`, `models/vit/modeling_vit.py`):
///
/// ```
/// x = [cls; conv(pixels) patches] + position_embeddings    [B, 1 + N, D]
/// x = layers(x)                                             (pre-norm blocks, GELU)
/// h = layernorm(x); pooled = tanh(pooler.dense(h[:, 0]))
/// ```
/// Keys: `embeddings.cls_token` [1, 1, D], `embeddings.position_embeddings` [1, N + 1, D],
/// `embeddings.patch_embeddings.projection.{weight,bias}`, `encoder.layer.N.*`
/// (`PreNormTransformerLayer.Keys.vit`), `layernorm`, `pooler.dense` (optional).
/// `ViTForImageClassification` checkpoints (`vit.` prefix, `classifier.*`) load too.
public final class ViTModel: Module {
    public var isTraining = true
    /// The hyper-parameters.
    public let config: ViTConfig
    /// Key `embeddings.patch_embeddings.projection`.
    public let patchEmbedding: Conv2d
    /// Key `embeddings.cls_token`, [1, 1, D].
    public let classToken: Tensor
    /// Key `embeddings.position_embeddings`, [1, N + 1, D].
    public let positionEmbeddings: Tensor
    /// Keys `encoder.layer.N`.
    public let layers: ModuleList<PreNormTransformerLayer>
    /// Key `layernorm`.
    public let finalNorm: LayerNorm
    /// Key `pooler.dense`; nil when the checkpoint has none.
    public let pooler: Linear?
    let poolerActivation: Activation

    /// A model read from `weights` keyed as a `ViTModel`, strictly.
    /// - Throws: `CLIPError.invalidConfig`, or `WeightLoadingError` naming the offending key.
    public init(weights: WeightScope, config: ViTConfig, allowingUnusedKeys allowed: [String] = []) throws {
        try config.validate()
        self.config = config
        let d = config.hiddenSize, p = config.patchSize, n = config.gridSize * config.gridSize
        let embeddings = weights.scoped("embeddings")
        patchEmbedding = try Conv2d(weights: embeddings.scoped("patch_embeddings.projection"),
                                    inputChannels: config.channelCount, outputChannels: d, kernelSize: (p, p), stride: (p, p))
        classToken = try embeddings.tensor("cls_token", shape: [1, 1, d])
        positionEmbeddings = try embeddings.tensor("position_embeddings", shape: [1, n + 1, d])
        let (activation, poolerActivation) = try config.activations()
        let stack = weights.scoped("encoder.layer")
        layers = ModuleList(try (0..<config.layerCount).map { index in
            try PreNormTransformerLayer(weights: stack.scoped(index), keys: .vit, hiddenSize: d,
                                        intermediateSize: config.intermediateSize, headCount: config.attentionHeadCount,
                                        activation: activation, epsilon: config.layerNormEpsilon)
        })
        finalNorm = try LayerNorm(weights: weights.scoped("layernorm"), dimension: d, epsilon: config.layerNormEpsilon)
        pooler = weights.contains("pooler.dense.weight")
            ? try Linear(weights: weights.scoped("pooler.dense"), inputSize: d, outputSize: config.poolerOutputSize ?? d)
            : nil
        self.poolerActivation = poolerActivation
        try weights.verifyAllUsed(allowing: allowed)
    }

    /// Loads a Hugging Face `ViTModel` or `ViTForImageClassification` folder (the
    /// classifier head is left unread).
    /// - Throws: `HuggingFaceDirectoryError`, `CLIPError.invalidConfig`, `WeightLoadingError`.
    public convenience init(directory: HuggingFaceDirectory) throws {
        let config = try directory.decodeJSON(ViTConfig.self, file: "config.json")
        let archive = try directory.weights()
        let isTaskModel = archive.names.contains { $0.hasPrefix("vit.") }
        try self.init(weights: try archive.scope(renaming: [.dropPrefix("vit.")]), config: config,
                      allowingUnusedKeys: isTaskModel ? ["classifier.*"] : [])
    }

    public var ownParameters: [(String, Tensor)] {
        [("embeddings.cls_token", classToken), ("embeddings.position_embeddings", positionEmbeddings)]
    }

    public var children: [(String, any Module)] {
        var result: [(String, any Module)] = [("embeddings.patch_embeddings.projection", patchEmbedding),
                                              ("encoder.layer", layers), ("layernorm", finalNorm)]
        if let pooler { result.append(("pooler.dense", pooler)) }
        return result
    }

    /// Runs the model on preprocessed `pixels` [B, C, S, S] with S = `config.imageSize`.
    /// - Throws: `CLIPError.invalidInput` for another shape.
    public func callAsFunction(_ pixels: Tensor) throws -> ViTOutput {
        let s = config.imageSize, d = config.hiddenSize
        guard pixels.rank == 4, pixels.shape[1] == config.channelCount, pixels.shape[2] == s, pixels.shape[3] == s else {
            throw CLIPError.invalidInput("pixels \(pixels.shape) must be [batch, \(config.channelCount), \(s), \(s)]; "
                + "preprocess the images to the model's image_size")
        }
        let b = pixels.shape[0], n = config.gridSize * config.gridSize
        let patches = patchEmbedding(pixels).reshaped([b, d, n]).transposed(1, 2)
        var hidden = Tensor.concat([classToken.expanded(to: [b, 1, d]), patches], axis: 1) + positionEmbeddings
        for index in 0..<layers.count { hidden = layers[index](hidden) }
        hidden = finalNorm(hidden)
        let pooled = pooler.map { poolerActivation($0(TokenPooling.firstToken(hidden))) }
        return ViTOutput(lastHiddenState: hidden, pooled: pooled)
    }
}
