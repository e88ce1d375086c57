import Foundation
import Testing
import Tensors
@testable import Datasets

/// The feature extractor's text encoder on a DeBERTa-v3 folder (Tests/Fixtures/deberta/
/// tiny-deberta-v3-embed, written by Tests/Fixtures/generate/deberta.py): every hidden state,
/// mean pooling over real tokens, ids padded to the requested length.
@Suite struct DebertaFeatureEncoderTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/deberta")

    @Test func encodesEveryLayerAndMeanPools() throws {
        let encoder = try BertFeatureEncoder(directory: Self.folder.appendingPathComponent("tiny-deberta-v3-embed"), maxLength: 24)
        #expect(encoder.record.kind == "deberta" && encoder.record.settings["pooled"] == "mean")
        #expect(encoder.hiddenSize == 32 && encoder.layerCount == 2 && encoder.sequenceLength == 24)
        let texts = ["Hello, world! This is a simple sentence.", "short"]
        let result = try encoder.encode(texts)
        #expect(result.hiddenStates.count == 3 && result.hiddenStates[2].shape == [2, 24, 32])
        #expect(result.tokenIds.allSatisfy { $0.count == 24 && $0.first == 1 })
        // "short" is [CLS] ▁ s h o r t [SEP]-like and shorter than 24: its row ends in padding (id 0).
        #expect(result.tokenIds[1].last == 0)
        let reference = try SafetensorsFile(contentsOf: Self.folder.appendingPathComponent("embed.safetensors")).tensors()
        let expected = try #require(reference["mean_last"])
        // Rows 0 and 3 of the reference are these two texts.
        let ours = result.pooled.scalars, theirs = expected.scalars
        for (row, referenceRow) in [(0, 0), (1, 3)] {
            for j in 0..<32 {
                let a = ours[row * 32 + j], b = theirs[referenceRow * 32 + j]
                #expect(abs(a - b) <= 1e-4 * (1 + abs(b)), "row \(row) feature \(j): \(a) vs \(b)")
            }
        }
    }
}
