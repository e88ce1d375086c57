import Foundation
import NeuralNetwork
import Tensors

/// A Chinese-CLIP `config.json` (`transformers` `ChineseCLIPConfig`): a BERT text tower,
/// a CLIP vision tower, the joint width and the initial logit scale.
public struct ChineseCLIPConfig: Decodable, Sendable {
    /// `text_config`, a BERT configuration (`chinese_clip_text_model`).
    public var text: BertConfig
    /// `vision_config`.
    public var vision: CLIPVisionConfig
    /// `projection_dim`.
    public var projectionSize: Int

    enum CodingKeys: String, CodingKey {
        case text = "text_config", vision = "vision_config", projectionSize = "projection_dim"
    }

    public init(text: BertConfig, vision: CLIPVisionConfig, projectionSize: Int) {
        self.text = text
        self.vision = vision
        self.projectionSize = projectionSize
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        text = try container.decode(BertConfig.self, forKey: .text)
        vision = try container.decodeIfPresent(CLIPVisionConfig.self, forKey: .vision) ?? CLIPVisionConfig()
        projectionSize = try container.decodeIfPresent(Int.self, forKey: .projectionSize) ?? 512
    }
}

/// Chinese-CLIP (`transformers` `ChineseCLIPModel`, `models/chinese_clip/modeling_chinese_clip.py`):
/// a BERT text encoder (Chinese RoBERTa-wwm weights, WordPiece vocabulary) whose [CLS]
/// state is projected, and a CLIP vision transformer.
///
/// text embedding = text_projection(h_[CLS]) of the BERT's last hidden state (no pooler);
/// image embedding = visual_projection(post_layernorm(class token)), as `CLIPModel`.
///
/// Keys: `text_model.*` (a `BertModel` without pooler), `vision_model.*`,
/// `text_projection.weight`, `visual_projection.weight`, `logit_scale`.
public final class ChineseCLIPModel: Module {
    public var isTraining = true
    /// The hyper-parameters.
    public let config: ChineseCLIPConfig
    /// Key `text_model`.
    public let textModel: BertModel
    /// Key `vision_model`.
    public let visionModel: CLIPVisionTransformer
    /// Key `text_projection` (no bias).
    public let textProjection: Linear
    /// Key `visual_projection` (no bias).
    public let visualProjection: Linear
    /// Key `logit_scale`, a scalar.
    public let logitScale: Tensor

    /// Loads a Hugging Face `ChineseCLIPModel` folder strictly (every tensor present with
    /// the config's shape, every key used apart from `position_ids` / `token_type_ids` buffers).
    /// - Throws: `HuggingFaceDirectoryError`, `BertError.invalidConfig`, `CLIPError`, or
    ///   `WeightLoadingError` naming the offending key.
    public init(directory: HuggingFaceDirectory) throws {
        let config = try directory.decodeJSON(ChineseCLIPConfig.self, file: "config.json")
        guard config.projectionSize > 0 else { throw CLIPError.invalidConfig("projection_dim must be positive") }
        self.config = config
        let archive = try directory.weights()
        // The BERT tower checks its own keys, so it gets a scope holding only `text_model.*`.
        let textPrefix = "text_model."
        let textKeys = archive.names.filter { $0.hasPrefix(textPrefix) }.map { String($0.dropFirst(textPrefix.count)) }
        let textKeySet = Set(textKeys)
        textModel = try BertModel(weights: WeightScope(keys: textKeys) { key in
            textKeySet.contains(key) ? try archive.tensor(textPrefix + key) : nil
        }, config: config.text)
        let weights = try archive.scope()
        visionModel = try CLIPVisionTransformer(weights: weights.scoped("vision_model"), config: config.vision)
        textProjection = try Linear(weights: weights.scoped("text_projection"), inputSize: config.text.hiddenSize,
                                    outputSize: config.projectionSize, bias: false)
        visualProjection = try Linear(weights: weights.scoped("visual_projection"), inputSize: config.vision.hiddenSize,
                                      outputSize: config.projectionSize, bias: false)
        logitScale = try weights.tensor("logit_scale", shape: [])
        try weights.verifyAllUsed(allowing: ["text_model.*", "vision_model.embeddings.position_ids"])
    }

    public var ownParameters: [(String, Tensor)] { [("logit_scale", logitScale)] }

    public var children: [(String, any Module)] {
        [("text_model", textModel), ("vision_model", visionModel), ("text_projection", textProjection),
         ("visual_projection", visualProjection)]
    }

    /// The BERT tower's last hidden state [B, L, Dt] and text_projection(h_[CLS]) [B, P].
    /// - Throws: `BertError.invalidInput` for unusable ids or masks.
    public func encodeText(ids: [[Int]], attentionMask: [[Int]]? = nil) throws -> (lastHiddenState: Tensor, embeddings: Tensor) {
        let output = try textModel(ids: ids, attentionMask: attentionMask)
        return (output.lastHiddenState, textProjection(TokenPooling.firstToken(output.lastHiddenState)))
    }

    /// visual_projection(pooled image state), [B, P], not normalised.
    /// - Throws: `CLIPError.invalidInput` for pixels of the wrong shape.
    public func imageEmbeddings(_ pixels: Tensor) throws -> Tensor {
        visualProjection(try visionModel(pixels).pooled)
    }

    /// exp(logit_scale) · cos(image i, text j), [I, T].
    public func logitsPerImage(imageEmbeddings: Tensor, textEmbeddings: Tensor) -> Tensor {
        CLIPModel.logitsPerImage(imageEmbeddings: imageEmbeddings, textEmbeddings: textEmbeddings, logitScale: logitScale)
    }
}
