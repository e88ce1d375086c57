import Foundation
import Testing
import Tensors
@testable import Encoders

/// `TextEmbedder` on a DeBERTa-v3 folder (tiny random model over the unigram test vocabulary,
/// with its tokenizer.json): tokenizer and encoder are picked from config.json's model_type,
/// and the pooled vectors match `transformers` (HF tokenizer, padding "longest", float64
/// forward) within 1e-4 (1 + |reference|). Reference: Tests/Fixtures/generate/deberta.py.
@Suite struct DebertaEmbedderTests {
    static let folder = DebertaParityTests.folder

    @Test func embedderMatchesTransformers() throws {
        let directory = try HuggingFaceDirectory(Self.folder.appendingPathComponent("tiny-deberta-v3-embed"))
        #expect(try TextEncoders.isDeberta(directory))
        let embedder = try TextEmbedder(directory: directory)
        #expect(embedder.model is DebertaV2Model && embedder.tokenizer is UnigramTokenizer)
        let texts = try String(contentsOf: Self.folder.appendingPathComponent("embed_texts.txt"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(texts.count == 5)
        let expected = try SafetensorsFile(contentsOf: Self.folder.appendingPathComponent("embed.safetensors")).tensors()
        let mean = try embedder.embed(texts, options: .init(pooling: .mean, batchSize: 2))
        #expect(maximumMixedError(mean, try #require(expected["mean_last"])) <= 1e-4)
        let cls = try embedder.embed(texts, options: .init(pooling: .cls, layer: 1, batchSize: 3))
        #expect(maximumMixedError(cls, try #require(expected["cls_layer1"])) <= 1e-4)
    }

    @Test func loaderPicksEncoderByModelType() throws {
        let deberta = try TextEncoders.load(directory: HuggingFaceDirectory(Self.folder.appendingPathComponent("tiny-deberta-v2")))
        #expect(deberta is DebertaV2Model && deberta.layerCount == 2 && deberta.typeVocabularySize == 2)
        let bert = try TextEncoders.load(directory: HuggingFaceDirectory(BertFixtures.url("tiny-bert")))
        #expect(bert is BertModel)
    }
}
