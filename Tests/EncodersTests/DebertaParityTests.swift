import Foundation
import Testing
import NeuralNetwork
import Tensors
@testable import Encoders

/// Parity with `transformers` `DebertaV2Model` on tiny random-weight models (2 layers,
/// width 32, 4 heads, vocabulary 99; layer norms and biases randomised), batches of 3 with
/// padding. Reference: Tests/Fixtures/generate/deberta.py (float64 forward and backward).
/// Tolerance: |ours - reference| <= 1e-4 (1 + |reference|) for every hidden state (padding
/// positions included) and the gradients.
@Suite struct DebertaParityTests {
    static let tolerance: Float = 1e-4
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/deberta")

    func checkParity(_ name: String) throws -> DebertaV2Model {
        let model = try DebertaV2Model(directory: HuggingFaceDirectory(Self.folder.appendingPathComponent(name)))
        let expected = try SafetensorsFile(contentsOf: Self.folder.appendingPathComponent("\(name).safetensors")).tensors()
        let ids = BertFixtures.integerRows(try #require(expected["input_ids"]))
        let mask = BertFixtures.integerRows(try #require(expected["attention_mask"]))
        let types = BertFixtures.integerRows(try #require(expected["token_type_ids"]))
        model.eval()
        let output = try model(ids: ids, attentionMask: mask, tokenTypeIds: types)
        #expect(output.hiddenStates.count == model.config.layerCount + 1)
        #expect(output.pooledOutput == nil)
        for (index, state) in output.hiddenStates.enumerated() {
            let error = maximumMixedError(state, try #require(expected["hidden_states.\(index)"]))
            #expect(error <= Self.tolerance, "\(name): hidden state \(index) differs by \(error)")
        }
        let loss = (output.lastHiddenState * (try #require(expected["probe"]))).sum()
        model.zeroGrad()
        loss.backward()
        let gradients: [(String, Tensor?)] = [
            ("grad.word_embeddings", model.embeddings.wordEmbeddings.weight.grad),
            ("grad.layer1.query_proj.weight", model.layers[1].query.weight.grad),
            ("grad.rel_embeddings", model.relativeEmbeddings?.weight.grad),
        ]
        for (key, gradient) in gradients {
            let error = maximumMixedError(try #require(gradient, "\(name): no gradient for \(key)"), try #require(expected[key]))
            #expect(error <= Self.tolerance, "\(name): \(key) differs by \(error)")
        }
        return model
    }

    /// v3 layout: shared attention keys, p2c + c2p, 8 log buckets (length 20 reaches the
    /// log range and the clamp), normalised relative table, no absolute positions.
    @Test func debertaV3MatchesTransformers() throws {
        let model = try checkParity("tiny-deberta-v3")
        #expect(model.embeddings.positionEmbeddings == nil && model.embeddings.tokenTypeEmbeddings == nil)
        #expect(model.relativeNorm != nil && model.layers[0].positionKey == nil)
    }

    /// v2 layout: separate pos_key_proj / pos_query_proj, absolute positions, token types,
    /// embed_proj (embedding size 24), exact relative distances.
    @Test func debertaV2MatchesTransformers() throws {
        let model = try checkParity("tiny-deberta-v2")
        #expect(model.embeddings.projection != nil && model.layers[1].positionQuery != nil)
    }

    /// `make_log_bucket_position` for δ in -600...600 at four (buckets, max) settings.
    @Test func logBucketsMatchTransformers() throws {
        struct Case: Decodable { var bucket: Int; var max: Int; var first: Int; var values: [Int] }
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: Self.folder.appendingPathComponent("buckets.json")))
        #expect(cases.count == 4)
        for entry in cases {
            let ours = entry.values.indices.map {
                RelativePositions.bucket(entry.first + $0, bucketCount: entry.bucket, maxPosition: entry.max)
            }
            let wrong = zip(ours, entry.values).enumerated().filter { $0.element.0 != $0.element.1 }.map { entry.first + $0.offset }
            #expect(wrong.isEmpty, "buckets \(entry.bucket) max \(entry.max): δ \(wrong.prefix(10)) differ")
        }
    }

    /// Inputs the model cannot embed are rejected with a message naming the problem.
    @Test func rejectsBadInput() throws {
        let model = try DebertaV2Model(config: DebertaV2Config(vocabularySize: 50, hiddenSize: 16, layerCount: 1,
                                                               attentionHeadCount: 2, intermediateSize: 8,
                                                               maxPositionEmbeddings: 8, positionBuckets: 4))
        #expect(throws: BertError.self) { try model(ids: [[1, 2, 60]]) }
        #expect(throws: BertError.self) { try model(ids: [[1, 2, 3, 4, 5, 6, 7, 8, 9]]) }
        #expect(throws: BertError.self) { try model(ids: [[1, 2], [1]]) }
        #expect(throws: BertError.self) {
            try DebertaV2Model(config: DebertaV2Config(hiddenSize: 30, attentionHeadCount: 4))
        }
    }
}
