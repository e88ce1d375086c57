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

/// `TextEmbedder` (the library side of `mmfusion embed text`) with the real WordPiece
/// tokenizer: the ids match the Hugging Face tokenizer's and the sentence embeddings have
/// cosine >= 0.9999 with sentence-transformers' for every one of the 50 sentences
/// (English, Chinese, emoji, an empty line).
@Suite struct BertTextEmbedderTests {
    @Test func miniLMTextEmbeddingsMatchSentenceTransformers() throws {
        let url = BertFixtures.miniLMDirectory
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("model.safetensors").path) else {
            Issue.record("all-MiniLM-L6-v2 is not in \(url.path); run `make weights` first")
            return
        }
        let embedder = try TextEmbedder(directory: HuggingFaceDirectory(url))
        #expect(embedder.defaultMaxLength == 256)
        var sentences = try String(contentsOf: BertFixtures.url("minilm-sentences.txt"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if sentences.last == "" { sentences.removeLast() }
        #expect(sentences.count == 50 && sentences.contains(""))

        let reference = try BertFixtures.tensors("minilm-reference.safetensors")
        let referenceIds = BertFixtures.integerRows(try #require(reference["input_ids"]))
        let referenceMask = BertFixtures.integerRows(try #require(reference["attention_mask"]))
        for (index, sentence) in sentences.enumerated() {
            let encoding = embedder.tokenizer.encode(sentence, maxLength: embedder.defaultMaxLength)
            let expected = zip(referenceIds[index], referenceMask[index]).filter { $0.1 != 0 }.map(\.0)
            #expect(encoding.ids == expected, "sentence \(index): token ids differ")
        }

        let embeddings = try embedder.embed(sentences, options: .init(pooling: .mean, normalize: true, batchSize: 16))
        let expected = try #require(reference["embeddings"])
        #expect(embeddings.shape == [50, 384])
        let cosines = (embeddings * expected).sum(axis: 1).scalars
        for (index, cosine) in cosines.enumerated() {
            #expect(cosine >= 0.9999, "sentence \(index): cosine \(cosine)")
        }
        // Another layer and CLS pooling give other, still unit-length, vectors.
        let clsLayer3 = try embedder.embed(Array(sentences.prefix(4)), options: .init(pooling: .cls, normalize: true, layer: 3))
        #expect(clsLayer3.shape == [4, 384])
        let norms = (clsLayer3 * clsLayer3).sum(axis: 1).scalars
        #expect(norms.allSatisfy { Swift.abs($0 - 1) < 1e-4 })
        #expect((clsLayer3 * embeddings.slice(axis: 0, 0..<4)).sum(axis: 1).scalars.allSatisfy { $0 < 0.99 })
        #expect(throws: BertError.self) { try embedder.embed(["x"], options: .init(layer: 7)) }
    }
}
