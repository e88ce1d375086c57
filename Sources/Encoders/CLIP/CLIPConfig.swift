import Foundation
import NeuralNetwork

/// The vision tower's hyper-parameters (`transformers` `CLIPVisionConfig`, the
/// `vision_config` of a CLIP or Chinese-CLIP `config.json`). Absent keys take the
/// defaults of `openai/clip-vit-base-patch32`.
public struct CLIPVisionConfig: Codable, Equatable, Sendable {
    /// `hidden_size`: the width D.
    public var hiddenSize: Int
    /// `intermediate_size`: width of the feed-forward block.
    public var intermediateSize: Int
    /// `num_hidden_layers`.
    public var layerCount: Int
    /// `num_attention_heads` (divides `hiddenSize`).
    public var attentionHeadCount: Int
    /// `image_size`: the square input side in pixels.
    public var imageSize: Int
    /// `patch_size`: the patch side (the patch convolution's kernel and stride).
    public var patchSize: Int
    /// `num_channels`.
    public var channelCount: Int
    /// `hidden_act`: `quick_gelu` for OpenAI's models.
    public var hiddenActivation: String
    /// `layer_norm_eps`.
    public var layerNormEpsilon: Float

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size", intermediateSize = "intermediate_size", layerCount = "num_hidden_layers"
        case attentionHeadCount = "num_attention_heads", imageSize = "image_size", patchSize = "patch_size"
        case channelCount = "num_channels", hiddenActivation = "hidden_act", layerNormEpsilon = "layer_norm_eps"
    }

    /// A configuration; the defaults are ViT-B/32's.
    public init(hiddenSize: Int = 768, intermediateSize: Int = 3072, layerCount: Int = 12, attentionHeadCount: Int = 12,
                imageSize: Int = 224, patchSize: Int = 32, channelCount: Int = 3, hiddenActivation: String = "quick_gelu",
                layerNormEpsilon: Float = 1e-5) {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.attentionHeadCount = attentionHeadCount
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.channelCount = channelCount
        self.hiddenActivation = hiddenActivation
        self.layerNormEpsilon = layerNormEpsilon
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = CLIPVisionConfig()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try container.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        self.init(hiddenSize: try value(.hiddenSize, defaults.hiddenSize),
                  intermediateSize: try value(.intermediateSize, defaults.intermediateSize),
                  layerCount: try value(.layerCount, defaults.layerCount),
                  attentionHeadCount: try value(.attentionHeadCount, defaults.attentionHeadCount),
                  imageSize: try value(.imageSize, defaults.imageSize), patchSize: try value(.patchSize, defaults.patchSize),
                  channelCount: try value(.channelCount, defaults.channelCount),
                  hiddenActivation: try value(.hiddenActivation, defaults.hiddenActivation),
                  layerNormEpsilon: try value(.layerNormEpsilon, defaults.layerNormEpsilon))
    }

    /// Patches per side: `imageSize / patchSize`.
    public var gridSize: Int { imageSize / patchSize }

    /// The activation `hidden_act` names.
    /// - Throws: `CLIPError.invalidConfig` for an unknown name.
    public func activation() throws -> Activation {
        guard let activation = Activation(name: hiddenActivation) else {
            throw CLIPError.invalidConfig("vision_config.hidden_act '\(hiddenActivation)' is not a known activation")
        }
        return activation
    }

    /// Checks the sizes fit together.
    /// - Throws: `CLIPError.invalidConfig` saying which value is wrong.
    public func validate() throws {
        guard hiddenSize > 0, intermediateSize > 0, layerCount >= 0, attentionHeadCount > 0, channelCount > 0 else {
            throw CLIPError.invalidConfig("vision_config sizes must be positive")
        }
        guard hiddenSize % attentionHeadCount == 0 else {
            throw CLIPError.invalidConfig("vision_config.hidden_size \(hiddenSize) is not divisible by num_attention_heads \(attentionHeadCount)")
        }
        guard patchSize > 0, imageSize >= patchSize, imageSize % patchSize == 0 else {
            throw CLIPError.invalidConfig("vision_config.image_size \(imageSize) must be a positive multiple of patch_size \(patchSize)")
        }
        _ = try activation()
    }
}

/// The text tower's hyper-parameters (`transformers` `CLIPTextConfig`, the `text_config`
/// of a CLIP `config.json`). Absent keys take the defaults of `openai/clip-vit-base-patch32`.
public struct CLIPTextConfig: Codable, Equatable, Sendable {
    /// `vocab_size`.
    public var vocabularySize: Int
    /// `hidden_size`: the width D.
    public var hiddenSize: Int
    /// `intermediate_size`.
    public var intermediateSize: Int
    /// `num_hidden_layers`.
    public var layerCount: Int
    /// `num_attention_heads` (divides `hiddenSize`).
    public var attentionHeadCount: Int
    /// `max_position_embeddings`: the context length (77 for OpenAI's models).
    public var maxPositionEmbeddings: Int
    /// `hidden_act`.
    public var hiddenActivation: String
    /// `layer_norm_eps`.
    public var layerNormEpsilon: Float
    /// `eos_token_id`: the end-of-text id. The value 2 (configs written before
    /// `transformers` PR #24773) means "pool at the highest id of each row".
    public var endOfTextTokenId: Int

    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case layerCount = "num_hidden_layers", attentionHeadCount = "num_attention_heads"
        case maxPositionEmbeddings = "max_position_embeddings", hiddenActivation = "hidden_act"
        case layerNormEpsilon = "layer_norm_eps", endOfTextTokenId = "eos_token_id"
    }

    /// A configuration; the defaults are OpenAI CLIP's text transformer.
    public init(vocabularySize: Int = 49408, hiddenSize: Int = 512, intermediateSize: Int = 2048, layerCount: Int = 12,
                attentionHeadCount: Int = 8, maxPositionEmbeddings: Int = 77, hiddenActivation: String = "quick_gelu",
                layerNormEpsilon: Float = 1e-5, endOfTextTokenId: Int = 49407) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.attentionHeadCount = attentionHeadCount
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.hiddenActivation = hiddenActivation
        self.layerNormEpsilon = layerNormEpsilon
        self.endOfTextTokenId = endOfTextTokenId
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = CLIPTextConfig()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try container.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        self.init(vocabularySize: try value(.vocabularySize, defaults.vocabularySize),
                  hiddenSize: try value(.hiddenSize, defaults.hiddenSize),
                  intermediateSize: try value(.intermediateSize, defaults.intermediateSize),
                  layerCount: try value(.layerCount, defaults.layerCount),
                  attentionHeadCount: try value(.attentionHeadCount, defaults.attentionHeadCount),
                  maxPositionEmbeddings: try value(.maxPositionEmbeddings, defaults.maxPositionEmbeddings),
                  hiddenActivation: try value(.hiddenActivation, defaults.hiddenActivation),
                  layerNormEpsilon: try value(.layerNormEpsilon, defaults.layerNormEpsilon),
                  endOfTextTokenId: try value(.endOfTextTokenId, defaults.endOfTextTokenId))
    }

    /// The pooling `transformers` 5.x applies for this config: the highest id of each row
    /// when `eos_token_id` is 2, else the first position holding `eos_token_id`.
    public var pooling: CLIPTextPooling {
        endOfTextTokenId == 2 ? .highestTokenId : .firstEndOfText(endOfTextTokenId)
    }

    /// The activation `hidden_act` names.
    /// - Throws: `CLIPError.invalidConfig` for an unknown name.
    public func activation() throws -> Activation {
        guard let activation = Activation(name: hiddenActivation) else {
            throw CLIPError.invalidConfig("text_config.hidden_act '\(hiddenActivation)' is not a known activation")
        }
        return activation
    }

    /// Checks the sizes fit together.
    /// - Throws: `CLIPError.invalidConfig` saying which value is wrong.
    public func validate() throws {
        guard vocabularySize > 0, hiddenSize > 0, intermediateSize > 0, layerCount >= 0, attentionHeadCount > 0,
              maxPositionEmbeddings > 0 else {
            throw CLIPError.invalidConfig("text_config sizes must be positive")
        }
        guard hiddenSize % attentionHeadCount == 0 else {
            throw CLIPError.invalidConfig("text_config.hidden_size \(hiddenSize) is not divisible by num_attention_heads \(attentionHeadCount)")
        }
        _ = try activation()
    }
}

/// A CLIP `config.json` (`transformers` `CLIPConfig`): both towers, the shared embedding
/// width and the initial logit scale.
public struct CLIPConfig: Codable, Equatable, Sendable {
    /// `text_config`.
    public var text: CLIPTextConfig
    /// `vision_config`.
    public var vision: CLIPVisionConfig
    /// `projection_dim`: the width of the joint image-text space.
    public var projectionSize: Int
    /// `logit_scale_init_value`: log of the initial similarity temperature (ln(1/0.07)).
    public var logitScaleInitialValue: Float

    enum CodingKeys: String, CodingKey {
        case text = "text_config", vision = "vision_config", projectionSize = "projection_dim"
        case logitScaleInitialValue = "logit_scale_init_value"
    }

    /// A configuration; the defaults are `openai/clip-vit-base-patch32`'s.
    public init(text: CLIPTextConfig = CLIPTextConfig(), vision: CLIPVisionConfig = CLIPVisionConfig(),
                projectionSize: Int = 512, logitScaleInitialValue: Float = 2.6592) {
        self.text = text
        self.vision = vision
        self.projectionSize = projectionSize
        self.logitScaleInitialValue = logitScaleInitialValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(text: try container.decodeIfPresent(CLIPTextConfig.self, forKey: .text) ?? CLIPTextConfig(),
                  vision: try container.decodeIfPresent(CLIPVisionConfig.self, forKey: .vision) ?? CLIPVisionConfig(),
                  projectionSize: try container.decodeIfPresent(Int.self, forKey: .projectionSize) ?? 512,
                  logitScaleInitialValue: try container.decodeIfPresent(Float.self, forKey: .logitScaleInitialValue) ?? 2.6592)
    }

    /// ViT-B/32 (`openai/clip-vit-base-patch32`).
    public static let vitBase32 = CLIPConfig()
}
