import Foundation
import Testing
import Tensors
@testable import Encoders

/// Chinese-CLIP against `transformers` `ChineseCLIPModel` (Tests/Fixtures/generate/clip.py),
/// tolerance 1e-4 (mixed absolute/relative), through the folder's own WordPiece tokenizer.
@Suite struct ChineseCLIPParityTests {
    @Test func folderWithTokenizerMatchesTransformers() throws {
        let io = try CLIPFixtures.tensors("tiny-chinese-clip-io.safetensors")
        let data = try Data(contentsOf: CLIPFixtures.url("chinese-sentences.json"))
        let sentences = try JSONDecoder().decode([String].self, from: data)
        let embedder = try CLIPEmbedder(directory: try CLIPFixtures.directory("tiny-chinese-clip"))
        guard case let .chineseCLIP(model) = embedder.model else {
            Issue.record("tiny-chinese-clip loaded as \(embedder.model)")
            return
        }
        #expect(embedder.tokenizer is WordPieceTokenizer)
        let text = try embedder.embedTexts(sentences)
        let expectedIds = BertFixtures.integerRows(try CLIPFixtures.reference(io, "input_ids"))
        let expectedMask = BertFixtures.integerRows(try CLIPFixtures.reference(io, "attention_mask"))
        #expect(embedder.tokenizer.encodeBatch(sentences, maxLength: embedder.maxTextLength).map(\.ids) == expectedIds)
        #expect(text.attentionMask == expectedMask.flatMap { $0 })
        #expect(maximumMixedError(text.tokens, try CLIPFixtures.reference(io, "text_last_hidden_state")) <= CLIPFixtures.tolerance)
        #expect(maximumMixedError(text.embeddings, try CLIPFixtures.reference(io, "text_embeds")) <= CLIPFixtures.tolerance)
        let pixels = try CLIPFixtures.reference(io, "pixel_values")
        let image = try embedder.embedImages(pixels: pixels)
        #expect(maximumMixedError(image.embeddings, try CLIPFixtures.reference(io, "image_embeds")) <= CLIPFixtures.tolerance)
        let vision = try withoutGradients { try model.visionModel(pixels) }
        #expect(maximumMixedError(vision.lastHiddenState, try CLIPFixtures.reference(io, "vision_last_hidden_state"))
                <= CLIPFixtures.tolerance)
        #expect(maximumMixedError(vision.pooled, try CLIPFixtures.reference(io, "vision_pooled")) <= CLIPFixtures.tolerance)
        let logits = withoutGradients { model.logitsPerImage(imageEmbeddings: image.embeddings, textEmbeddings: text.embeddings) }
        #expect(logits.shape == [2, 4])
        #expect(maximumMixedError(logits, try CLIPFixtures.reference(io, "logits_per_image")) <= CLIPFixtures.tolerance)
        let normalised = try embedder.embedTexts(sentences, normalize: true).embeddings
        let norms = (normalised * normalised).sum(axes: [1]).scalars
        #expect(norms.allSatisfy { Swift.abs($0 - 1) < 1e-5 })
    }
}
