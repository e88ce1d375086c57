import Foundation
import NeuralNetwork
import Tensors

/// CLIP or Chinese-CLIP embeddings of texts and images in the joint space, with the
/// tokenizer and image preprocessing of the model folder: what the feature extractor and
/// `mmfusion embed … --clip` use.
///
/// ```swift
/// let clip = try CLIPEmbedder(directory: HuggingFaceDirectory(url))
/// let texts = try clip.embedTexts(["a photo of a cat"], normalize: true)     // embeddings [1, P]
/// let images = try clip.embedImages([image], normalize: true)                // embeddings [1, P]
/// let cosine = images.embeddings.matmul(texts.embeddings, transposeOther: true) // [1, 1]
/// ```
/// With `normalize`, the dot product of an image and a text embedding is their cosine
/// similarity; `logitScale.exp()` times it is CLIP's `logits_per_image`.
public final class CLIPEmbedder {
    /// The two model families.
    public enum Model {
        /// OpenAI CLIP (Hugging Face or OpenAI / open_clip layout).
        case clip(CLIPModel)
        /// Chinese-CLIP (BERT text tower).
        case chineseCLIP(ChineseCLIPModel)
    }

    /// Text embeddings of a batch.
    public struct TextEmbeddings {
        /// The projected pooled states, [B, P] (unit rows when normalised).
        public let embeddings: Tensor
        /// The text tower's last hidden state, [B, L, D] (padded to the longest text).
        public let tokens: Tensor
        /// Row-major [B, L], 1 for a token and 0 for padding.
        public let attentionMask: [Int]
    }

    /// Image embeddings of a batch.
    public struct ImageEmbeddings {
        /// The projected pooled states, [B, P] (unit rows when normalised).
        public let embeddings: Tensor
        /// The vision tower's last-layer patch tokens, [B, N, D] (class token dropped).
        public let patchTokens: Tensor
    }

    /// The model (in evaluation mode).
    public let model: Model
    /// The tokenizer (byte-level BPE for CLIP, WordPiece for Chinese-CLIP).
    public let tokenizer: any TextTokenizer
    /// How decoded images become pixels (`preprocessor_config.json`, else CLIP's at the model's image size).
    public let preprocessing: ImagePreprocessing
    /// The longest tokenised text (CLIP's context, 77; Chinese-CLIP's position limit).
    public let maxTextLength: Int

    /// An embedder over the given parts.
    public init(model: Model, tokenizer: any TextTokenizer, preprocessing: ImagePreprocessing) {
        self.model = model
        self.tokenizer = tokenizer
        self.preprocessing = preprocessing
        switch model {
        case let .clip(clip):
            clip.eval()
            maxTextLength = clip.config.text.maxPositionEmbeddings
        case let .chineseCLIP(chinese):
            chinese.eval()
            maxTextLength = chinese.config.text.maximumSequenceLength
        }
    }

    /// Loads a model folder: a Hugging Face `CLIPModel` or `ChineseCLIPModel`
    /// (`config.json` `model_type` `clip` / `chinese_clip`), or, without `config.json`, an
    /// OpenAI / open_clip state dict (a single weights file in the folder). The tokenizer
    /// files (`tokenizer.json`, or `vocab.json` + `merges.txt`, or `vocab.txt`) must be in
    /// the folder; `preprocessor_config.json` is used when present.
    /// - Throws: `HuggingFaceDirectoryError`, `CLIPError`, `TokenizerError`,
    ///   `ImagePreprocessingError`, or `WeightLoadingError`, each naming the file or key.
    public convenience init(directory: HuggingFaceDirectory) throws {
        let model: Model
        let imageSize: Int
        if directory.contains("config.json") {
            let kind = try directory.decodeJSON(ModelKind.self, file: "config.json").modelType ?? ""
            switch kind {
            case "clip":
                let clip = try CLIPModel(directory: directory)
                model = .clip(clip)
                imageSize = clip.config.vision.imageSize
            case "chinese_clip":
                let chinese = try ChineseCLIPModel(directory: directory)
                model = .chineseCLIP(chinese)
                imageSize = chinese.config.vision.imageSize
            default:
                throw CLIPError.unrecognisedCheckpoint(
                    source: directory.file("config.json").path,
                    detail: "model_type '\(kind)' is neither clip nor chinese_clip")
            }
        } else {
            let clip = try CLIPModel(openAIWeights: try directory.weights())
            model = .clip(clip)
            imageSize = clip.config.vision.imageSize
        }
        let tokenizer: any TextTokenizer
        if case .clip = model, !directory.contains("tokenizer.json") {
            tokenizer = try BytePairTokenizer(
                vocabularyFile: try directory.requiredFile("vocab.json", purpose: "the CLIP tokenizer vocabulary"),
                mergesFile: try directory.requiredFile("merges.txt", purpose: "the CLIP tokenizer merges"), flavour: .clip)
        } else {
            tokenizer = try TokenizerLoader.load(directory: directory.url)
        }
        let preprocessing = directory.contains("preprocessor_config.json")
            ? try ImagePreprocessing(contentsOf: directory.file("preprocessor_config.json"))
            : CLIPEmbedder.clipPreprocessing(imageSize: imageSize)
        self.init(model: model, tokenizer: tokenizer, preprocessing: preprocessing)
    }

    struct ModelKind: Decodable {
        let modelType: String?
        enum CodingKeys: String, CodingKey { case modelType = "model_type" }
    }

    /// `CLIPImageProcessor` (bicubic resize of the shorter side, centre crop, CLIP's mean
    /// and std) at `imageSize` pixels.
    public static func clipPreprocessing(imageSize: Int) -> ImagePreprocessing {
        var preprocessing = ImagePreprocessing.clip
        preprocessing.size = .shortestEdge(imageSize)
        preprocessing.cropHeight = imageSize
        preprocessing.cropWidth = imageSize
        return preprocessing
    }

    /// exp(logit_scale) of the model, the factor from cosine similarity to logits.
    public var logitScale: Float {
        switch model {
        case let .clip(clip): return clip.logitScale.exp().item
        case let .chineseCLIP(chinese): return chinese.logitScale.exp().item
        }
    }

    /// Embeds one batch of texts (tokenised, truncated to `maxTextLength`, padded to the longest).
    /// - Throws: `CLIPError.invalidInput` / `BertError.invalidInput` when the batch is empty
    ///   or the tokenizer does not match the model.
    public func embedTexts(_ texts: [String], normalize: Bool = false) throws -> TextEmbeddings {
        guard !texts.isEmpty else { throw CLIPError.invalidInput("no texts to embed") }
        let encodings = tokenizer.encodeBatch(texts, maxLength: maxTextLength)
        let ids = encodings.map(\.ids), mask = encodings.map(\.attentionMask)
        return try withoutGradients {
            let tokens: Tensor, embeddings: Tensor
            switch model {
            case let .clip(clip):
                let output = try clip.textModel(ids: ids, attentionMask: mask)
                (tokens, embeddings) = (output.lastHiddenState, clip.textProjection(output.pooled))
            case let .chineseCLIP(chinese):
                (tokens, embeddings) = try chinese.encodeText(ids: ids, attentionMask: mask)
            }
            return TextEmbeddings(embeddings: normalize ? embeddings.l2Normalized() : embeddings, tokens: tokens,
                                  attentionMask: mask.flatMap { $0 })
        }
    }

    /// Embeds preprocessed `pixels` [B, C, S, S].
    /// - Throws: `CLIPError.invalidInput` for pixels of the wrong shape.
    public func embedImages(pixels: Tensor, normalize: Bool = false) throws -> ImageEmbeddings {
        try withoutGradients {
            let vision: CLIPVisionTransformer, projection: Linear
            switch model {
            case let .clip(clip): (vision, projection) = (clip.visionModel, clip.visualProjection)
            case let .chineseCLIP(chinese): (vision, projection) = (chinese.visionModel, chinese.visualProjection)
            }
            let output = try vision(pixels)
            let embeddings = projection(output.pooled)
            return ImageEmbeddings(embeddings: normalize ? embeddings.l2Normalized() : embeddings,
                                   patchTokens: output.patchTokens)
        }
    }

    /// Preprocesses and embeds decoded images.
    /// - Throws: `ImagePreprocessingError` (an empty batch) or `CLIPError.invalidInput`.
    public func embedImages(_ images: [RGBImage], normalize: Bool = false) throws -> ImageEmbeddings {
        try embedImages(pixels: try preprocessing(images), normalize: normalize)
    }
}
