import Foundation
import NeuralNetwork
import Testing
import Tensors
@testable import Encoders

/// Fixtures written by Tests/Fixtures/generate/clip.py (random-weight `transformers` models,
/// references in float64). Tolerance: max |a - b| / (1 + |b|) ≤ 1e-4 for every output.
enum CLIPFixtures {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/clip")

    static func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    static func tensors(_ name: String) throws -> [String: Tensor] {
        try SafetensorsFile(contentsOf: url(name)).tensors()
    }

    static func directory(_ name: String) throws -> HuggingFaceDirectory {
        try HuggingFaceDirectory(url(name))
    }

    static func reference(_ tensors: [String: Tensor], _ key: String) throws -> Tensor {
        try #require(tensors[key], "fixture lacks \(key)")
    }

    static let tolerance: Float = 1e-4
}

@Suite struct CLIPParityTests {
    let io: [String: Tensor]

    init() throws { io = try CLIPFixtures.tensors("tiny-clip-io.safetensors") }

    private func value(_ key: String) throws -> Tensor { try CLIPFixtures.reference(io, key) }

    private func check(_ model: CLIPModel) throws {
        model.eval()
        let ids = BertFixtures.integerRows(try value("input_ids"))
        let mask = BertFixtures.integerRows(try value("attention_mask"))
        let pixels = try value("pixel_values")
        try withoutGradients {
            let text = try model.textModel(ids: ids, attentionMask: mask)
            #expect(maximumMixedError(text.lastHiddenState, try value("text_last_hidden_state")) <= CLIPFixtures.tolerance)
            #expect(maximumMixedError(text.pooled, try value("text_pooled")) <= CLIPFixtures.tolerance)
            #expect(text.pooledPositions == [9, 5, 2])
            let textEmbeddings = try model.textEmbeddings(ids: ids, attentionMask: mask)
            #expect(maximumMixedError(textEmbeddings, try value("text_embeds")) <= CLIPFixtures.tolerance)
            let vision = try model.visionModel(pixels)
            #expect(maximumMixedError(vision.lastHiddenState, try value("vision_last_hidden_state")) <= CLIPFixtures.tolerance)
            #expect(maximumMixedError(vision.pooled, try value("vision_pooled")) <= CLIPFixtures.tolerance)
            #expect(vision.patchTokens.shape == [3, 16, 32])
            let imageEmbeddings = try model.imageEmbeddings(pixels)
            #expect(maximumMixedError(imageEmbeddings, try value("image_embeds")) <= CLIPFixtures.tolerance)
            let logits = model.logitsPerImage(imageEmbeddings: imageEmbeddings, textEmbeddings: textEmbeddings)
            #expect(maximumMixedError(logits, try value("logits_per_image")) <= CLIPFixtures.tolerance)
        }
    }

    @Test func huggingFaceFolderMatchesTransformers() throws {
        let model = try CLIPModel(directory: try CLIPFixtures.directory("tiny-clip"))
        #expect(model.config.text.pooling == .firstEndOfText(98))
        #expect(model.config.vision.gridSize == 4)
        #expect(Swift.abs(model.logitScale.item - 1.7) < 1e-6)
        try check(model)
    }

    @Test func openAINamedWeightsGiveTheSameOutputs() throws {
        let archive = try TensorArchive(contentsOf: CLIPFixtures.url("tiny-clip-openai.safetensors"))
        #expect(archive.names.contains("visual.transformer.resblocks.1.attn.in_proj_weight"))
        let model = try CLIPModel(openAIWeights: archive, visionHeadCount: 2, textHeadCount: 2)
        #expect(model.config.vision.imageSize == 32 && model.config.vision.patchSize == 8)
        #expect(model.config.vision.layerCount == 2 && model.config.text.layerCount == 2)
        #expect(model.config.text.maxPositionEmbeddings == 16 && model.config.text.vocabularySize == 100)
        #expect(model.config.projectionSize == 16 && model.config.text.intermediateSize == 64)
        #expect(model.textModel.pooling == .highestTokenId)
        try check(model)
    }

    @Test func randomModelTakesTheCheckpointAsItsStateDict() throws {
        let config = try CLIPFixtures.directory("tiny-clip").decodeJSON(CLIPConfig.self)
        let archive = try TensorArchive(contentsOf: CLIPFixtures.url("tiny-clip/model.safetensors"))
        let model = try CLIPModel(config: config, seed: 3)
        #expect(Set(model.stateDict().keys) == Set(archive.names))
        try model.loadStateDict(try archive.tensors(), strict: true)
        try check(model)
    }

    @Test func openAIHeadCountDefaultsToWidthOverSixtyFour() throws {
        let archive = try TensorArchive(contentsOf: CLIPFixtures.url("tiny-clip-openai.safetensors"))
        let config = try OpenAICLIPNames.config(of: archive, visionHeadCount: nil, textHeadCount: nil)
        #expect(config.vision.attentionHeadCount == 1 && config.text.attentionHeadCount == 1)
        #expect(config.text.endOfTextTokenId == 99)
    }

    @Test func openAINameTableSplitsFusedProjections() {
        let split = OpenAICLIPNames.targets(of: "visual.transformer.resblocks.11.attn.in_proj_bias")
        #expect(split.map(\.name) == ["vision_model.encoder.layers.11.self_attn.q_proj.bias",
                                      "vision_model.encoder.layers.11.self_attn.k_proj.bias",
                                      "vision_model.encoder.layers.11.self_attn.v_proj.bias"])
        #expect(split.map(\.conversion) == [.thirdOfRows(0), .thirdOfRows(1), .thirdOfRows(2)])
        #expect(OpenAICLIPNames.targets(of: "transformer.resblocks.0.mlp.c_proj.weight").map(\.name)
                == ["text_model.encoder.layers.0.mlp.fc2.weight"])
        #expect(OpenAICLIPNames.targets(of: "text_projection").map(\.conversion) == [.transpose])
        #expect(OpenAICLIPNames.targets(of: "visual.ln_post.bias").map(\.name) == ["vision_model.post_layernorm.bias"])
        #expect(OpenAICLIPNames.targets(of: "visual.attnpool.c_proj.weight").isEmpty)
    }

    @Test func addedTokenAboveEndOfTextPoolsAtFirstEndOfText() throws {
        let model = try CLIPModel(directory: try CLIPFixtures.directory("tiny-clip"))
        model.eval()
        let ids = BertFixtures.integerRows(try value("added_input_ids"))
        let mask = BertFixtures.integerRows(try value("added_attention_mask"))
        try withoutGradients {
            let text = try model.textModel(ids: ids, attentionMask: mask)
            #expect(text.pooledPositions == [9, 5, 2])
            #expect(maximumMixedError(text.pooled, try value("added_text_pooled")) <= CLIPFixtures.tolerance)
            #expect(maximumMixedError(try model.textEmbeddings(ids: ids, attentionMask: mask),
                                      try value("added_text_embeds")) <= CLIPFixtures.tolerance)
        }
        // OpenAI's argmax pooling picks the added token (id 99) in rows 0 and 1 instead.
        #expect(try CLIPTextPooling.highestTokenId.positions(ids: ids.flatMap { $0 }, batch: 3, length: 10) == [3, 2, 2])
    }

    @Test func badInputsAreReportedNotTrapped() throws {
        let model = try CLIPModel(directory: try CLIPFixtures.directory("tiny-clip"))
        #expect(throws: CLIPError.self) { try model.visionModel(Tensor.zeros([1, 3, 24, 24])) }
        #expect(throws: CLIPError.self) { try model.textModel(ids: [[97, 5, 100]]) }
        #expect(throws: CLIPError.self) { try model.textModel(ids: [[97, 5, 6]]) }  // no end-of-text id
        #expect(throws: CLIPError.self) { try model.textModel(ids: [[Int]](repeating: [97], count: 1).map { $0 + [Int](repeating: 98, count: 16) }) }
    }

    @Test func missingTensorIsNamed() throws {
        let archive = try TensorArchive(contentsOf: CLIPFixtures.url("tiny-clip/model.safetensors"))
        let config = try CLIPFixtures.directory("tiny-clip").decodeJSON(CLIPConfig.self)
        let names = archive.names.filter { $0 != "vision_model.post_layernorm.bias" }
        let present = Set(names)
        let scope = WeightScope(keys: names) { present.contains($0) ? try archive.tensor($0) : nil }
        #expect {
            try CLIPModel(weights: scope, config: config)
        } throws: { error in
            (error as? WeightLoadingError)?.description.contains("'vision_model.post_layernorm.bias'") ?? false
        }
    }

    @Test func embedderNormalisesAndRejectsAForeignTokenizer() throws {
        let model = try CLIPModel(directory: try CLIPFixtures.directory("tiny-clip"))
        let tokenizerFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/tokenizers/clip")
        let embedder = CLIPEmbedder(model: .clip(model), tokenizer: try TokenizerLoader.load(directory: tokenizerFolder),
                                    preprocessing: CLIPEmbedder.clipPreprocessing(imageSize: 32))
        let images = try embedder.embedImages(pixels: try value("pixel_values"), normalize: true)
        #expect(maximumMixedError(images.embeddings, try value("image_embeds").l2Normalized()) <= CLIPFixtures.tolerance)
        #expect(images.patchTokens.shape == [3, 16, 32])
        #expect(Swift.abs(embedder.logitScale - Float(Foundation.exp(1.7))) < 1e-4)
        // The fixture tokenizer's 2,627 ids do not fit this 100-id model: a clear error, no trap.
        #expect(throws: CLIPError.self) { try embedder.embedTexts(["a photo of a cat"]) }
    }

    @Test func embedderReadsAnOpenAIFolderWithoutConfig() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("clip-openai-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let tokenizerFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/tokenizers/clip")
        try FileManager.default.copyItem(at: CLIPFixtures.url("tiny-clip-openai.safetensors"),
                                         to: folder.appendingPathComponent("ViT-tiny.safetensors"))
        for name in ["vocab.json", "merges.txt"] {
            try FileManager.default.copyItem(at: tokenizerFolder.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let embedder = try CLIPEmbedder(directory: HuggingFaceDirectory(folder))
        guard case let .clip(model) = embedder.model else {
            Issue.record("an OpenAI folder loaded as \(embedder.model)")
            return
        }
        #expect(model.textModel.pooling == .highestTokenId)
        #expect((embedder.tokenizer as? BytePairTokenizer)?.flavour == .clip)
        #expect(embedder.preprocessing == CLIPEmbedder.clipPreprocessing(imageSize: 32))
        #expect(embedder.maxTextLength == 16)
        let images = try embedder.embedImages(pixels: try value("pixel_values"), normalize: true)
        #expect(images.embeddings.shape == [3, 16])
    }
}
