import Foundation
import Testing
import NeuralNetwork
import Tensors
@testable import Encoders

/// Configs, directories, strict loading and its error messages.
@Suite struct BertLoadingTests {
    static let tinyConfig = BertConfig(vocabularySize: 99, hiddenSize: 32, layerCount: 2, attentionHeadCount: 4,
                                       intermediateSize: 37, maxPositionEmbeddings: 64)

    /// The tiny BERT checkpoint's tensors as a dictionary.
    func tinyTensors() throws -> [String: Tensor] {
        try SafetensorsFile(contentsOf: BertFixtures.url("tiny-bert/model.safetensors")).tensors()
    }

    @Test func configDecodesSnakeCaseWithDefaults() throws {
        let json = #"{"model_type": "roberta", "vocab_size": 50, "hidden_size": 16, "num_hidden_layers": 3,"#
            + #" "num_attention_heads": 2, "intermediate_size": 20, "hidden_act": "gelu_new", "pad_token_id": null}"#
        let config = try JSONDecoder().decode(BertConfig.self, from: Data(json.utf8))
        #expect(config.vocabularySize == 50 && config.hiddenSize == 16 && config.layerCount == 3)
        #expect(config.attentionHeadCount == 2 && config.intermediateSize == 20)
        #expect(try config.activation() == .geluTanh)
        #expect(config.padTokenId == 1)  // RoBERTa's padding id when the config gives null
        #expect(config.maxPositionEmbeddings == 512 && config.layerNormEpsilon == 1e-12)
        #expect(config.maximumSequenceLength == 510)
        let miniLM = try HuggingFaceDirectory(BertFixtures.url("tiny-bert")).decodeJSON(BertConfig.self)
        #expect(miniLM == Self.tinyConfig)
    }

    @Test func inconsistentConfigsAreRejectedByName() {
        var config = Self.tinyConfig
        config.attentionHeadCount = 5
        #expect(throws: BertError.invalidConfig("hidden_size 32 is not divisible by num_attention_heads 5")) {
            try config.validate()
        }
        config = Self.tinyConfig
        config.hiddenActivation = "mish"
        #expect(throws: BertError.self) { try BertModel(config: config) }
        config = Self.tinyConfig
        config.positionEmbeddingType = "relative_key"
        #expect((try? config.validate()) == nil)
    }

    /// A random model names its parameters exactly as the Hugging Face checkpoint does,
    /// and loads that checkpoint's state dict.
    @Test func randomModelHasCheckpointKeys() throws {
        let model = try BertModel(config: Self.tinyConfig, seed: 3)
        let tensors = try tinyTensors()
        #expect(Set(model.stateDict().keys) == Set(tensors.keys))
        try model.loadStateDict(tensors)
        let query = try #require(tensors["encoder.layer.1.attention.self.query.weight"])
        #expect(model.layers[1].query.weight.scalars == query.scalars)
        #expect(model.embeddings.wordEmbeddings.weight.requiresGrad)
        // The padding row of a fresh word table is zero, the others are not.
        let words = try BertModel(config: Self.tinyConfig, seed: 3).embeddings.wordEmbeddings.weight
        #expect(words.slice(axis: 0, 0..<1).scalars.allSatisfy { $0 == 0 })
        #expect(words.slice(axis: 0, 1..<2).scalars.contains { $0 != 0 })
    }

    @Test func missingTensorIsNamed() throws {
        var tensors = try tinyTensors()
        tensors["encoder.layer.1.intermediate.dense.bias"] = nil
        do {
            _ = try BertModel(weights: WeightScope(tensors), config: Self.tinyConfig)
            Issue.record("loading succeeded without encoder.layer.1.intermediate.dense.bias")
        } catch let error as WeightLoadingError {
            guard case let .missingKey(key, closest) = error else { Issue.record("unexpected \(error)"); return }
            #expect(key == "encoder.layer.1.intermediate.dense.bias")
            #expect(closest.contains("encoder.layer.0.intermediate.dense.bias"))
        }
    }

    @Test func misShapedTensorNamesKeyAndShapes() throws {
        var config = Self.tinyConfig
        config.intermediateSize = 40
        #expect(throws: WeightLoadingError.shapeMismatch(key: "encoder.layer.0.intermediate.dense.weight",
                                                         expected: [40, 32], found: [37, 32])) {
            try BertModel(weights: WeightScope(try tinyTensors()), config: config)
        }
    }

    @Test func unexpectedTensorIsReported() throws {
        var tensors = try tinyTensors()
        tensors["encoder.layer.2.output.dense.weight"] = Tensor.zeros([32, 37])
        tensors["embeddings.position_ids"] = Tensor.arange(64).unsqueezed(0)
        #expect(throws: WeightLoadingError.unusedKeys(["encoder.layer.2.output.dense.weight"])) {
            try BertModel(weights: WeightScope(tensors), config: Self.tinyConfig)
        }
    }

    @Test func checkpointWithoutPoolerLoadsWithoutOne() throws {
        var tensors = try tinyTensors()
        tensors["pooler.dense.weight"] = nil
        tensors["pooler.dense.bias"] = nil
        let model = try BertModel(weights: WeightScope(tensors), config: Self.tinyConfig)
        #expect(model.pooler == nil)
        let output = try withoutGradients { try model(ids: [[2, 5, 3]]) }
        #expect(output.pooledOutput == nil)
        #expect(output.lastHiddenState.shape == [1, 3, 32])
    }

    @Test func renameTableIsDeclarative() {
        let table = BertModel.checkpointRenames
        #expect(KeyRename.apply(table, to: "bert.encoder.layer.0.output.LayerNorm.gamma") == "encoder.layer.0.output.LayerNorm.weight")
        #expect(KeyRename.apply(table, to: "roberta.embeddings.LayerNorm.beta") == "embeddings.LayerNorm.bias")
        #expect(KeyRename.apply(table, to: "classifier.weight") == "classifier.weight")
        #expect(KeyRename.apply(table, to: "encoder.layer.0.output.dense.weight") == "encoder.layer.0.output.dense.weight")
    }

    @Test func directoryErrorsNameThePathAndTheFix() throws {
        let missing = BertFixtures.url("no-such-model")
        #expect(throws: HuggingFaceDirectoryError.notADirectory(path: missing.path)) {
            try HuggingFaceDirectory(missing)
        }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("bert-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let directory = try HuggingFaceDirectory(empty)
        do {
            _ = try BertModel(directory: directory)
            Issue.record("an empty directory loaded")
        } catch let error as HuggingFaceDirectoryError {
            #expect(error == .missingFile(directory: empty.path, file: "config.json", purpose: "the model configuration"))
            #expect(error.description.contains("config.json"))
        }
        try Data("{\"hidden_size\": \"wide\"}".utf8).write(to: empty.appendingPathComponent("config.json"))
        do {
            _ = try directory.decodeJSON(BertConfig.self)
            Issue.record("a malformed config decoded")
        } catch let error as HuggingFaceDirectoryError {
            guard case let .malformedFile(path, detail) = error else { Issue.record("unexpected \(error)"); return }
            #expect(path.hasSuffix("config.json"))
            #expect(detail.contains("hidden_size"))
        }
        do {
            _ = try directory.weights()
            Issue.record("weights found in a directory without any")
        } catch let error as TensorArchiveError {
            guard case let .noWeights(path, lookedFor) = error else { Issue.record("unexpected \(error)"); return }
            #expect(path == empty.path)
            #expect(lookedFor.contains("model.safetensors"))
        }
    }

    @Test func badInputsThrowInsteadOfCrashing() throws {
        let model = try BertModel(config: Self.tinyConfig, seed: 1)
        model.eval()
        #expect(throws: BertError.self) { try model(ids: [[2, 3], [4]]) }
        #expect(throws: BertError.self) { try model(ids: [[2, 99]]) }
        #expect(throws: BertError.self) { try model(ids: [[2, 3]], attentionMask: [[0, 0]]) }
        #expect(throws: BertError.self) { try model(ids: [[2, 3]], tokenTypeIds: [[0, 2]]) }
        #expect(throws: BertError.self) { try model(ids: [Array(repeating: 5, count: 65)]) }
        #expect(throws: BertError.self) { try model(ids: [[]]) }
    }

    /// RoBERTa numbers non-padding tokens from pad + 1 and leaves padding at pad.
    @Test func robertaPositionsSkipPadding() throws {
        var config = Self.tinyConfig
        config.modelType = "roberta"
        config.padTokenId = 1
        let model = try BertModel(config: config)
        let positions = model.embeddings.positionIds(for: [0, 5, 6, 2, 1, 1, 0, 1, 7, 2, 1, 1], batch: 2, length: 6)
        #expect(positions == [2, 3, 4, 5, 1, 1, 2, 1, 3, 4, 1, 1])
        let bert = try BertModel(config: Self.tinyConfig)
        #expect(bert.embeddings.positionIds(for: [Int](repeating: 3, count: 6), batch: 2, length: 3) == [0, 1, 2, 0, 1, 2])
    }
}
