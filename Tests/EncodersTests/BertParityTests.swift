import Foundation
import Testing
import NeuralNetwork
import Tensors
@testable import Encoders

/// Parity with `transformers` `BertModel` / `RobertaModel` on tiny random-weight models
/// (2 layers, width 32, 4 heads, feed-forward 37, vocabulary 99), batch of 3 with padding.
/// Reference: Tests/Fixtures/generate/bert.py (float64 forward and backward).
/// Tolerance: |ours - reference| <= 1e-4 (1 + |reference|) for every hidden state, the
/// pooled output and the gradients.
@Suite struct BertParityTests {
    static let tolerance: Float = 1e-4

    /// Runs `model` on the fixture batch with gradients on and checks outputs and gradients.
    func checkParity(model: BertModel, reference name: String) throws {
        let expected = try BertFixtures.tensors(name)
        let ids = BertFixtures.integerRows(try #require(expected["input_ids"]))
        let mask = BertFixtures.integerRows(try #require(expected["attention_mask"]))
        let types = BertFixtures.integerRows(try #require(expected["token_type_ids"]))
        model.eval()
        let output = try model(ids: ids, attentionMask: mask, tokenTypeIds: types)
        #expect(output.hiddenStates.count == model.config.layerCount + 1)
        for (index, state) in output.hiddenStates.enumerated() {
            let error = maximumMixedError(state, try #require(expected["hidden_states.\(index)"]))
            #expect(error <= Self.tolerance, "\(name): hidden state \(index) differs by \(error)")
        }
        let pooled = try #require(output.pooledOutput)
        #expect(maximumMixedError(pooled, try #require(expected["pooled_output"])) <= Self.tolerance)

        let loss = (output.lastHiddenState * (try #require(expected["probe"]))).sum()
        model.zeroGrad()
        loss.backward()
        let gradients: [(String, Tensor?)] = [
            ("grad.word_embeddings", model.embeddings.wordEmbeddings.weight.grad),
            ("grad.layer1.query.weight", model.layers[1].query.weight.grad),
            ("grad.layer0.intermediate.bias", model.layers[0].intermediate.bias?.grad),
        ]
        for (key, gradient) in gradients {
            let error = maximumMixedError(try #require(gradient, "\(name): no gradient for \(key)"), try #require(expected[key]))
            #expect(error <= Self.tolerance, "\(name): \(key) differs by \(error)")
        }
    }

    @Test func bertMatchesTransformers() throws {
        let model = try BertModel(directory: HuggingFaceDirectory(BertFixtures.url("tiny-bert")))
        try checkParity(model: model, reference: "tiny-bert.safetensors")
    }

    @Test func shardedRobertaMatchesTransformers() throws {
        let directory = try HuggingFaceDirectory(BertFixtures.url("tiny-roberta"))
        #expect(!directory.contains("model.safetensors") && directory.contains("model.safetensors.index.json"))
        let model = try BertModel(directory: directory)
        #expect(model.config.usesPaddingOffsetPositions)
        try checkParity(model: model, reference: "tiny-roberta.safetensors")
    }

    /// The old task-model layout (`bert.` prefix, `gamma`/`beta`, a classifier head and a
    /// `position_ids` buffer) loads through the rename table into the same model.
    @Test func legacyTaskCheckpointLoadsThroughRenameTable() throws {
        let model = try BertModel(directory: HuggingFaceDirectory(BertFixtures.url("tiny-bert-legacy")))
        try checkParity(model: model, reference: "tiny-bert.safetensors")
    }

    /// Inference without the autodiff graph gives the same numbers as the recorded forward.
    @Test func inferenceWithoutGradientsMatchesRecordedForward() throws {
        let expected = try BertFixtures.tensors("tiny-bert.safetensors")
        let ids = BertFixtures.integerRows(try #require(expected["input_ids"]))
        let mask = BertFixtures.integerRows(try #require(expected["attention_mask"]))
        let model = try BertModel(directory: HuggingFaceDirectory(BertFixtures.url("tiny-bert")))
        model.eval()
        let recorded = try model(ids: ids, attentionMask: mask)
        let plain = try withoutGradients { try model(ids: ids, attentionMask: mask) }
        #expect(recorded.lastHiddenState.requiresGrad)
        #expect(!plain.lastHiddenState.requiresGrad)
        #expect(plain.lastHiddenState.scalars == recorded.lastHiddenState.scalars)
    }

    /// Running the top layer alone on a cached hidden state reproduces the full forward,
    /// and its gradient reaches that layer's weights only.
    @Test func topLayersRunOnCachedHiddenStates() throws {
        let expected = try BertFixtures.tensors("tiny-bert.safetensors")
        let ids = BertFixtures.integerRows(try #require(expected["input_ids"]))
        let mask = BertFixtures.integerRows(try #require(expected["attention_mask"]))
        let types = BertFixtures.integerRows(try #require(expected["token_type_ids"]))
        let model = try BertModel(directory: HuggingFaceDirectory(BertFixtures.url("tiny-bert")))
        model.eval()
        let cached = try withoutGradients { try model(ids: ids, attentionMask: mask, tokenTypeIds: types) }.hiddenStates[1]
        let top = try model.runLayers(1..<2, hiddenState: cached, attentionMask: mask.flatMap { $0 })
        let error = maximumMixedError(try #require(top.last), try #require(expected["hidden_states.2"]))
        #expect(error <= Self.tolerance)
        try #require(top.last).sum().backward()
        #expect(model.layers[1].output.weight.grad != nil)
        #expect(model.layers[0].output.weight.grad == nil)
        #expect(model.embeddings.wordEmbeddings.weight.grad == nil)
    }
}
