import Foundation
import Testing
@testable import Encoders

/// Id parity of `UnigramTokenizer` with Hugging Face `tokenizers` 0.23 on a Unigram
/// vocabulary (1,200 pieces trained on the tokenizer corpus) wrapped as `transformers`'
/// `DebertaV2Tokenizer` builds it: Replace(\s{2,}|[\n\r\t] → " "), NFC, right Strip,
/// Metaspace (▁, prepend always), `[CLS] $A [SEP]` / `[CLS] $A [SEP] $B [SEP]` with type ids
/// 0 / 1. Reference: Tests/Fixtures/generate/deberta.py → expected_deberta.json. Exact match
/// of ids and tokens on every hard string, its truncation to 64, 150 random strings, pairs
/// (longest-first truncation to 16 and 64), a padded batch and a padded single text.
@Suite struct UnigramTokenizerTests {
    static var tokenizerFile: URL { TokenizerFixtures.directory.appendingPathComponent("deberta/tokenizer.json") }

    @Test func matchesTokenizersOnCorpus() throws {
        let tokenizer = try UnigramTokenizer(tokenizerJSON: Self.tokenizerFile)
        let expected = try TokenizerFixtures.expected("deberta")
        #expect(tokenizer.vocabularySize == expected.vocabulary_size)
        #expect(tokenizer.padId == expected.pad_id)
        let mismatches = try TokenizerFixtures.corpusMismatches(tokenizer, expected: expected)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.prefix(8).joined(separator: "\n"))")
    }

    @Test func matchesTokenizersOnPairsAndBatches() throws {
        let tokenizer = try UnigramTokenizer(tokenizerJSON: Self.tokenizerFile)
        let mismatches = TokenizerFixtures.encodingMismatches(tokenizer, expected: try TokenizerFixtures.expected("deberta"))
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    /// The loader picks the unigram tokenizer for a directory whose tokenizer.json has a Unigram model.
    @Test func loaderPicksUnigram() throws {
        let tokenizer = try TokenizerLoader.load(directory: Self.tokenizerFile.deletingLastPathComponent())
        #expect(tokenizer is UnigramTokenizer)
        #expect(tokenizer.encode("", maxLength: nil).tokens == ["[CLS]", "[SEP]"])
    }

    /// Viterbi picks the highest-scoring split, fuses unknown scalars, and falls back to bytes.
    @Test func viterbiSegmentation() {
        let pieces = ["<unk>", "a", "b", "ab", "abc", "c", "bc"] + (0..<256).map { String(format: "<0x%02X>", $0) }
        let scores = [0, -1, -1, -1.5, -4, -1, -1.2] + Array(repeating: -20.0, count: 256)
        let model = UnigramModel(pieces: pieces, scores: scores, unknownId: 0, byteFallback: false)
        // ab(-1.5)+c(-1) = -2.5 beats abc(-4), a+bc (-2.2) beats both.
        #expect(model.segment(Array("abc".unicodeScalars)).map(\.token) == ["a", "bc"])
        #expect(model.segment(Array("axyb".unicodeScalars)).map(\.id) == [1, 0, 2])
        let bytes = UnigramModel(pieces: pieces, scores: scores, unknownId: 0, byteFallback: true)
        #expect(bytes.segment(Array("aé".unicodeScalars)).map(\.token) == ["a", "<0xC3>", "<0xA9>"])
    }
}
