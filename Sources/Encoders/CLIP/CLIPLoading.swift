import Foundation
import NeuralNetwork
import Tensors

// Reading CLIP checkpoints: Hugging Face `CLIPModel` folders and OpenAI / open_clip state
// dicts. The OpenAI names are mapped onto the Hugging Face ones by the single table
// below, so one set of modules serves both layouts.

extension CLIPModel {
    /// Loads a Hugging Face `CLIPModel` folder (`config.json` with `text_config` and
    /// `vision_config`, `model.safetensors` or shards or `pytorch_model.bin`), strictly.
    /// - Throws: `HuggingFaceDirectoryError`, `CLIPError.invalidConfig`, or
    ///   `WeightLoadingError` naming the offending key.
    public convenience init(directory: HuggingFaceDirectory) throws {
        let config = try directory.decodeJSON(CLIPConfig.self, file: "config.json")
        try self.init(weights: try directory.weights().scope(), config: config)
    }

    /// Loads an OpenAI (`clip/model.py`) or open_clip (`CLIP`) state dict: `visual.conv1.weight`,
    /// `visual.class_embedding`, `visual.transformer.resblocks.N.attn.in_proj_weight`,
    /// `token_embedding.weight`, `positional_embedding`, `ln_final.*`, `text_projection`, ….
    ///
    /// The sizes are read from the tensors' shapes as OpenAI's `build_model` does; the head
    /// counts are not stored, so they default to width / 64 (every OpenAI and open_clip
    /// ViT model), or are given. Text rows are pooled at their highest id (OpenAI's
    /// `text.argmax(dim=-1)`).
    /// - Throws: `CLIPError.unrecognisedCheckpoint` when the names are not OpenAI's,
    ///   `WeightLoadingError` naming the offending key.
    public convenience init(openAIWeights archive: TensorArchive, visionHeadCount: Int? = nil,
                            textHeadCount: Int? = nil) throws {
        let config = try OpenAICLIPNames.config(of: archive, visionHeadCount: visionHeadCount, textHeadCount: textHeadCount)
        try self.init(weights: try OpenAICLIPNames.huggingFaceScope(archive), config: config,
                      textPooling: .highestTokenId, allowingUnusedKeys: OpenAICLIPNames.ignorableKeys)
    }
}

/// How OpenAI / open_clip CLIP state-dict names map onto `transformers` `CLIPModel` names.
enum OpenAICLIPNames {
    /// What happens to a tensor on the way.
    enum Conversion: Equatable {
        /// Taken as it is.
        case same
        /// Transposed: OpenAI's projections are [width, embed] matrices used as x @ P.
        case transpose
        /// Rows `part·n/3 ..< (part+1)·n/3` of a fused `in_proj` (query, key, value).
        case thirdOfRows(Int)
    }

    /// Prefix renames, first match wins (OpenAI prefix → Hugging Face prefix).
    static let prefixes: [(String, String)] = [
        ("visual.transformer.resblocks.", "vision_model.encoder.layers."),
        ("transformer.resblocks.", "text_model.encoder.layers."),
        ("visual.conv1.", "vision_model.embeddings.patch_embedding."),
        ("visual.class_embedding", "vision_model.embeddings.class_embedding"),
        ("visual.positional_embedding", "vision_model.embeddings.position_embedding.weight"),
        ("visual.ln_pre.", "vision_model.pre_layrnorm."),
        ("visual.ln_post.", "vision_model.post_layernorm."),
        ("visual.proj", "visual_projection.weight"),
        ("token_embedding.", "text_model.embeddings.token_embedding."),
        ("positional_embedding", "text_model.embeddings.position_embedding.weight"),
        ("ln_final.", "text_model.final_layer_norm."),
        ("text_projection", "text_projection.weight"),
        ("logit_scale", "logit_scale"),
    ]

    /// Renames inside one residual block (`ResidualAttentionBlock` → `CLIPEncoderLayer`).
    static let blockParts: [(String, String)] = [
        ("attn.out_proj.", "self_attn.out_proj."),
        ("ln_1.", "layer_norm1."),
        ("ln_2.", "layer_norm2."),
        ("mlp.c_fc.", "mlp.fc1."),
        ("mlp.c_proj.", "mlp.fc2."),
    ]

    /// Scalars OpenAI's JIT archives keep beside the weights (`build_model` deletes them).
    static let ignorableKeys = ["input_resolution", "context_length", "vocab_size"]

    /// The Hugging Face names a checkpoint key becomes, each with its conversion.
    static func targets(of key: String) -> [(name: String, conversion: Conversion)] {
        if ignorableKeys.contains(key) { return [(key, .same)] }
        guard let (from, to) = prefixes.first(where: { key.hasPrefix($0.0) }) else { return [] }
        let rest = String(key.dropFirst(from.count))
        if from.hasSuffix("resblocks.") {
            guard let dot = rest.firstIndex(of: ".") else { return [] }
            let layer = to + rest[..<dot] + "."
            let part = String(rest[rest.index(after: dot)...])
            for kind in ["weight", "bias"] where part == "attn.in_proj_\(kind)" {
                return ["q", "k", "v"].enumerated().map { (layer + "self_attn.\($0.element)_proj.\(kind)", .thirdOfRows($0.offset)) }
            }
            guard let (inner, renamed) = blockParts.first(where: { part.hasPrefix($0.0) }) else { return [] }
            return [(layer + renamed + part.dropFirst(inner.count), .same)]
        }
        let conversion: Conversion = key == "visual.proj" || key == "text_projection" ? .transpose : .same
        return [(to + rest, conversion)]
    }

    /// A scope over `archive` under Hugging Face names; tensors are converted when read.
    /// - Throws: `CLIPError.unrecognisedCheckpoint` naming keys that fit no rule.
    static func huggingFaceScope(_ archive: TensorArchive) throws -> WeightScope {
        var sources: [String: (String, Conversion)] = [:]
        var unknown: [String] = []
        for name in archive.names {
            let mapped = targets(of: name)
            if mapped.isEmpty { unknown.append(name) }
            for target in mapped { sources[target.name] = (name, target.conversion) }
        }
        guard unknown.isEmpty else {
            throw CLIPError.unrecognisedCheckpoint(
                source: archive.location.path,
                detail: "keys outside the OpenAI CLIP layout: " + unknown.sorted().prefix(5).joined(separator: ", "))
        }
        let table = sources
        return WeightScope(keys: Array(table.keys)) { key in
            guard let (name, conversion) = table[key] else { return nil }
            let tensor = try archive.tensor(name)
            switch conversion {
            case .same: return tensor
            case .transpose: return tensor.rank == 2 ? tensor.transposed(0, 1) : tensor
            case let .thirdOfRows(part):
                let third = tensor.shape[0] / 3
                return tensor.slice(axis: 0, (part * third)..<((part + 1) * third))
            }
        }
    }

    /// The config OpenAI's `build_model` infers from the tensor shapes.
    /// - Throws: `CLIPError.unrecognisedCheckpoint` when a tensor it reads is absent or mis-shaped.
    static func config(of archive: TensorArchive, visionHeadCount: Int?, textHeadCount: Int?) throws -> CLIPConfig {
        func shape(_ name: String, rank: Int) throws -> [Int] {
            guard let shape = archive.shape(of: name), shape.count == rank else {
                throw CLIPError.unrecognisedCheckpoint(source: archive.location.path,
                                                       detail: "no \(rank)-dimensional tensor '\(name)' (a ViT CLIP has one)")
            }
            return shape
        }
        func layerCount(_ prefix: String) -> Int {
            Set(archive.names.compactMap { name -> Int? in
                guard name.hasPrefix(prefix) else { return nil }
                return Int(name.dropFirst(prefix.count).prefix { $0 != "." })
            }).count
        }
        let conv = try shape("visual.conv1.weight", rank: 4)
        let visionPositions = try shape("visual.positional_embedding", rank: 2)[0]
        let visionWidth = conv[0], patch = conv[3]
        let grid = Int(Double(visionPositions - 1).squareRoot().rounded())
        let visionMLP = try shape("visual.transformer.resblocks.0.mlp.c_fc.weight", rank: 2)[0]
        let projection = try shape("text_projection", rank: 2)
        let textWidth = try shape("ln_final.weight", rank: 1)[0]
        let tokens = try shape("token_embedding.weight", rank: 2)
        let context = try shape("positional_embedding", rank: 2)[0]
        let textMLP = try shape("transformer.resblocks.0.mlp.c_fc.weight", rank: 2)[0]
        let vision = CLIPVisionConfig(hiddenSize: visionWidth, intermediateSize: visionMLP,
                                      layerCount: layerCount("visual.transformer.resblocks."),
                                      attentionHeadCount: visionHeadCount ?? Swift.max(visionWidth / 64, 1),
                                      imageSize: grid * patch, patchSize: patch, channelCount: conv[1])
        let text = CLIPTextConfig(vocabularySize: tokens[0], hiddenSize: textWidth, intermediateSize: textMLP,
                                  layerCount: layerCount("transformer.resblocks."),
                                  attentionHeadCount: textHeadCount ?? Swift.max(textWidth / 64, 1),
                                  maxPositionEmbeddings: context, endOfTextTokenId: tokens[0] - 1)
        return CLIPConfig(text: text, vision: vision, projectionSize: projection[1])
    }
}
