import Foundation
import Testing
import Tensors
@testable import Encoders

/// The real all-MiniLM-L6-v2 weights (`make weights`): strict loading, and sentence
/// embeddings against sentence-transformers. Reference: Tests/Fixtures/generate/bert.py
/// (`SentenceTransformer(dir).encode(normalize_embeddings=True)` on
/// Tests/Fixtures/bert/minilm-sentences.txt, with the Hugging Face tokenizer's ids).
@Suite struct BertRealWeightsTests {
    func miniLM() throws -> HuggingFaceDirectory {
        let url = BertFixtures.miniLMDirectory
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("model.safetensors").path) else {
            Issue.record("all-MiniLM-L6-v2 is not in \(url.path); run `make weights` first")
            throw HuggingFaceDirectoryError.notADirectory(path: url.path)
        }
        return try HuggingFaceDirectory(url)
    }

    @Test func miniLMLoadsStrictly() throws {
        let model = try BertModel(directory: try miniLM())
        #expect(model.config.layerCount == 6 && model.config.hiddenSize == 384)
        #expect(model.parameterCount == 22_713_216)
        #expect(model.pooler != nil)
    }

    /// Mean pooling + L2 normalisation of our encoder on the reference token ids:
    /// cosine similarity >= 0.9999 with sentence-transformers for each of the 50 sentences.
    @Test func miniLMSentenceEmbeddingsMatchSentenceTransformers() throws {
        let model = try BertModel(directory: try miniLM())
        model.eval()
        let reference = try BertFixtures.tensors("minilm-reference.safetensors")
        let ids = BertFixtures.integerRows(try #require(reference["input_ids"]))
        let mask = BertFixtures.integerRows(try #require(reference["attention_mask"]))
        let expected = try #require(reference["embeddings"])
        let embeddings = try withoutGradients {
            let output = try model(ids: ids, attentionMask: mask)
            return TokenPooling.maskedMean(output.lastHiddenState, attentionMask: mask.flatMap { $0 }).l2Normalized()
        }
        #expect(embeddings.shape == [50, 384])
        let cosines = (embeddings * expected).sum(axis: 1).scalars
        for (index, cosine) in cosines.enumerated() {
            #expect(cosine >= 0.9999, "sentence \(index): cosine \(cosine)")
        }
    }
}
