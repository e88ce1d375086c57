import Encoders
import Foundation
import Tensors

/// What identifies an encoder in a feature store's manifest: two stores may be mixed or
/// resumed only when these agree (the directory itself may move).
public struct EncoderRecord: Codable, Equatable, Sendable {
    /// `text` or `image` (later also `clip`).
    public var role: String
    /// The architecture (`bert`, `roberta`, `resnet50`, `mobilenetv2`, ...).
    public var kind: String
    /// Where it was loaded from (informational).
    public var path: String
    /// SHA-256 of each file read (weights, configuration, vocabulary), by file name.
    public var fileHashes: [String: String]
    /// Settings that change the features (maximum text length, pooling, preprocessing).
    public var settings: [String: String]

    public init(role: String, kind: String, path: String, fileHashes: [String: String], settings: [String: String]) {
        self.role = role
        self.kind = kind
        self.path = path
        self.fileHashes = fileHashes
        self.settings = settings
    }

    /// The first difference from `other` that makes their features incompatible, or nil.
    public func difference(from other: EncoderRecord) -> String? {
        if kind != other.kind { return "\(role) encoder is \(other.kind) in the store, \(kind) now" }
        for name in Set(fileHashes.keys).union(other.fileHashes.keys).sorted() where fileHashes[name] != other.fileHashes[name] {
            return "\(role) encoder file \(name) has SHA-256 \(other.fileHashes[name] ?? "(absent)") in the store, "
                + "\(fileHashes[name] ?? "(absent)") now"
        }
        for key in Set(settings.keys).union(other.settings.keys).sorted() where settings[key] != other.settings[key] {
            return "\(role) encoder setting \(key) is \(other.settings[key] ?? "(unset)") in the store, \(settings[key] ?? "(unset)") now"
        }
        return nil
    }
}

/// The text side of feature extraction: a BERT-family encoder run over texts padded to a
/// fixed length, so a post's features do not depend on the other posts of its batch.
public protocol TextFeatureEncoder: AnyObject {
    /// The manifest entry.
    var record: EncoderRecord { get }
    /// d_t.
    var hiddenSize: Int { get }
    /// The number of transformer layers.
    var layerCount: Int { get }
    /// L, the padded length of every encoding.
    var sequenceLength: Int { get }
    /// Encodes `texts`: every hidden state ([B, L, d_t] each, embeddings first), the pooled
    /// vector [B, d_t], and the token ids [B, L].
    func encode(_ texts: [String]) throws -> (hiddenStates: [Tensor], pooled: Tensor, tokenIds: [[Int]])
}

/// The image side of feature extraction: preprocessing (run on the decoding thread) and a
/// backbone forward.
public protocol ImageFeatureEncoder: AnyObject {
    /// The manifest entry.
    var record: EncoderRecord { get }
    /// Resizes, crops and normalises one decoded image into [3, H, W].
    func preprocess(_ image: RGBImage) -> Tensor
    /// The backbone's outputs for a batch [B, 3, H, W].
    func encode(_ batch: Tensor, outputs: VisionOutputs) throws -> VisionFeatures
    /// Shapes per image of the grid tokens, pooled vector and logits (nil: no classifier).
    var outputShapes: (grid: [Int], pooled: [Int], logits: [Int]?) { get }
}

/// `TextFeatureEncoder` over a Hugging Face BERT/RoBERTa/MiniLM or DeBERTa-v2/v3 directory.
public final class BertFeatureEncoder: TextFeatureEncoder {
    public let record: EncoderRecord
    public let sequenceLength: Int
    let embedder: TextEmbedder

    /// Loads the encoder and tokenizer from `directory`; texts are truncated and padded to
    /// `maxLength` tokens (capped by the model's position limit).
    public init(directory: URL, maxLength: Int) throws {
        embedder = try TextEmbedder(directory: try HuggingFaceDirectory(directory))
        let model = embedder.model
        sequenceLength = min(maxLength, model.maximumSequenceLength)
        let bert = model as? BertModel
        let kind = bert.map { $0.config.usesPaddingOffsetPositions ? "roberta" : "bert" } ?? "deberta"
        record = EncoderRecord(
            role: "text", kind: kind, path: directory.path,
            fileHashes: try FeatureEncoderFiles.hashes(in: directory),
            settings: ["max_length": String(sequenceLength),
                       "pooled": bert?.pooler == nil ? "mean" : "pooler",
                       "layers": String(model.layerCount), "hidden_size": String(model.hiddenSize)])
    }

    public var hiddenSize: Int { embedder.model.hiddenSize }
    public var layerCount: Int { embedder.model.layerCount }

    public func encode(_ texts: [String]) throws -> (hiddenStates: [Tensor], pooled: Tensor, tokenIds: [[Int]]) {
        let model = embedder.model, tokenizer = embedder.tokenizer
        var ids: [Int] = [], mask: [Int] = [], types: [Int] = []
        var tokenIds: [[Int]] = []
        for text in texts {
            let padded = tokenizer.encode(text, maxLength: sequenceLength)
                .padded(to: sequenceLength, padId: tokenizer.padId, padToken: tokenizer.padToken)
            ids += padded.ids
            mask += padded.attentionMask
            types += padded.tokenTypeIds.map { max(0, min($0, model.typeVocabularySize - 1)) }
            tokenIds.append(padded.ids)
        }
        let output = try withoutGradients {
            try model(ids: ids, batch: texts.count, length: sequenceLength, attentionMask: mask, tokenTypeIds: types)
        }
        let pooled = output.pooledOutput ?? TokenPooling.mean(output.lastHiddenState, attentionMask: mask)
        return (output.hiddenStates, pooled, tokenIds)
    }
}

/// `ImageFeatureEncoder` over a vision checkpoint (`VisionModels.load`) with ImageNet preprocessing.
public final class VisionFeatureEncoder: ImageFeatureEncoder {
    public let record: EncoderRecord
    let backbone: any VisionBackbone
    let preprocessing: ImagePreprocessing

    /// Loads the backbone from a folder or weight file.
    public init(url: URL) throws {
        backbone = try VisionModels.load(contentsOf: url)
        preprocessing = .imagenet
        let encoded = try JSONEncoder.sorted.encode(preprocessing)
        record = EncoderRecord(
            role: "image", kind: Self.architectureName(backbone), path: url.path,
            fileHashes: try FeatureEncoderFiles.hashes(in: url),
            settings: ["preprocessing": String(decoding: encoded, as: UTF8.self)])
    }

    public func preprocess(_ image: RGBImage) -> Tensor { preprocessing(image) }

    public func encode(_ batch: Tensor, outputs: VisionOutputs) throws -> VisionFeatures {
        withoutGradients { backbone.features(batch, outputs: outputs) }
    }

    public var outputShapes: (grid: [Int], pooled: [Int], logits: [Int]?) {
        let probe = withoutGradients {
            backbone.features(Tensor.zeros([1, 3, preprocessing.cropHeight, preprocessing.cropWidth]),
                              outputs: backbone.classCount == nil ? [.grid, .pooled] : [.grid, .pooled, .logits])
        }
        return (Array(probe.gridTokens?.shape.dropFirst() ?? []), Array(probe.pooled?.shape.dropFirst() ?? []),
                probe.logits.map { Array($0.shape.dropFirst()) })
    }

    static func architectureName(_ backbone: any VisionBackbone) -> String {
        if let resnet = backbone as? ResNet { return "resnet\(resnet.config.depth)" }
        if backbone is MobileNetV2 { return VisionArchitecture.mobilenetv2.rawValue }
        if backbone is EfficientNetLite { return VisionArchitecture.efficientnetLite0.rawValue }
        if backbone is SwinTransformer { return VisionArchitecture.swin.rawValue }
        return String(describing: type(of: backbone)).lowercased()
    }
}

/// CLIP (or Chinese-CLIP) text and image embeddings in the joint space, L2-normalised:
/// `clip.text` and `clip.image`.
public final class ClipFeatureEncoder {
    public let record: EncoderRecord
    let embedder: CLIPEmbedder

    /// Loads a CLIP / Chinese-CLIP folder (Hugging Face layout, or an OpenAI state dict).
    public init(directory: URL) throws {
        let embedder = try CLIPEmbedder(directory: try HuggingFaceDirectory(directory))
        self.embedder = embedder
        embeddingSize = try embedder.embedTexts(["a"]).embeddings.shape.last ?? 0
        let encoded = try JSONEncoder.sorted.encode(embedder.preprocessing)
        var kind = "clip"
        if case .chineseCLIP = embedder.model { kind = "chinese-clip" }
        record = EncoderRecord(
            role: "clip", kind: kind,
            path: directory.path, fileHashes: try FeatureEncoderFiles.hashes(in: directory),
            settings: ["normalized": "true", "max_length": String(embedder.maxTextLength),
                       "preprocessing": String(decoding: encoded, as: UTF8.self)])
    }

    /// The joint-space width P.
    public let embeddingSize: Int

    /// CLIP preprocessing of one decoded image: [3, S, S].
    public func preprocess(_ image: RGBImage) -> Tensor { embedder.preprocessing(image) }

    /// Unit-norm text embeddings [B, P].
    public func encodeTexts(_ texts: [String]) throws -> Tensor { try embedder.embedTexts(texts, normalize: true).embeddings }

    /// Unit-norm image embeddings [B, P] of preprocessed images [B, 3, S, S].
    public func encodeImages(_ pixels: Tensor) throws -> Tensor {
        try embedder.embedImages(pixels: pixels, normalize: true).embeddings
    }
}

/// The files whose hashes identify an encoder.
enum FeatureEncoderFiles {
    static let extensions: Set<String> = ["safetensors", "bin", "pt", "pth", "json", "txt", "model"]

    /// SHA-256 of `url` itself when it is a file, else of every weight, configuration and
    /// vocabulary file directly in the folder.
    static func hashes(in url: URL) throws -> [String: String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw FeatureStoreError.missingFile(url.path, "the encoder path does not exist")
        }
        guard isDirectory.boolValue else { return [url.lastPathComponent: try SHA256.hex(contentsOf: url)] }
        var result: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
        where extensions.contains((name as NSString).pathExtension.lowercased()) && !name.hasPrefix(".") {
            let file = url.appendingPathComponent(name)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: file.path, isDirectory: &isFolder), !isFolder.boolValue {
                result[name] = try SHA256.hex(contentsOf: file)
            }
        }
        return result
    }
}

extension JSONEncoder {
    /// Sorted keys, so encodings of equal values are equal bytes.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
