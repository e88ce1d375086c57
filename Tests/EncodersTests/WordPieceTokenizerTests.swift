import Foundation
import Testing
@testable import Encoders

/// WordPiece parity with Hugging Face `tokenizers` (fixtures: Tests/Fixtures/generate/tokenizers.py).
/// Tolerance: none, ids and tokens must be equal.
@Suite struct WordPieceTokenizerTests {
    static let minilmDirectory = TokenizerFixtures.directory.appendingPathComponent("minilm")
    static let chineseDirectory = TokenizerFixtures.directory.appendingPathComponent("chinese")

    @Test func miniLMVocabularyMatchesReferenceOnHardStrings() throws {
        let tokenizer = try WordPieceTokenizer(directory: Self.minilmDirectory)
        let expected = try TokenizerFixtures.expected("minilm")
        #expect(tokenizer.vocabularySize == expected.vocabulary_size)
        #expect(tokenizer.padId == expected.pad_id)
        let mismatches = try TokenizerFixtures.corpusMismatches(tokenizer, expected: expected)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.joined(separator: "\n"))")
    }

    @Test func miniLMPairsBatchAndPaddingMatchReference() throws {
        let tokenizer = try WordPieceTokenizer(directory: Self.minilmDirectory)
        let mismatches = TokenizerFixtures.encodingMismatches(tokenizer, expected: try TokenizerFixtures.expected("minilm"))
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    @Test func chineseTokenizerJSONMatchesReference() throws {
        let tokenizer = try WordPieceTokenizer(tokenizerJSON: Self.chineseDirectory.appendingPathComponent("tokenizer.json"))
        let expected = try TokenizerFixtures.expected("chinese")
        #expect(tokenizer.vocabularySize == expected.vocabulary_size)
        var mismatches = try TokenizerFixtures.corpusMismatches(tokenizer, expected: expected)
        mismatches += TokenizerFixtures.encodingMismatches(tokenizer, expected: expected)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.joined(separator: "\n"))")
    }

    @Test func chineseVocabFileWithCasedOptionsMatchesReference() throws {
        let tokenizer = try WordPieceTokenizer(vocabFile: Self.chineseDirectory.appendingPathComponent("vocab.txt"),
                                               options: .init(lowercase: false))
        let mismatches = try TokenizerFixtures.corpusMismatches(tokenizer, expected: TokenizerFixtures.expected("chinese"))
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.joined(separator: "\n"))")
    }

    @Test func documentedExampleEncodesAsTheReference() throws {
        // transformers 5.23 AutoTokenizer on all-MiniLM-L6-v2: same ids and tokens.
        let tokenizer = try WordPieceTokenizer(directory: Self.minilmDirectory)
        let encoding = tokenizer.encode("Café 今天 tokenization", maxLength: 128)
        #expect(encoding.tokens == ["[CLS]", "cafe", "[UNK]", "天", "token", "##ization", "[SEP]"])
        #expect(encoding.ids == [101, 7668, 100, 1811, 19204, 3989, 102])
        #expect(encoding.tokenTypeIds == Array(repeating: 0, count: 7))
        #expect(encoding.attentionMask == Array(repeating: 1, count: 7))
        #expect(encoding.offsets == [0..<0, 0..<4, 5..<6, 6..<7, 8..<13, 13..<20, 0..<0])
        let pair = tokenizer.encode("Café 今天 tokenization", pair: "a pair", maxLength: nil)
        #expect(pair.offsets == [0..<0, 0..<4, 5..<6, 6..<7, 8..<13, 13..<20, 0..<0, 0..<1, 2..<6, 0..<0])
        #expect(tokenizer.encode("a", paddedTo: 5).offsets == [0..<0, 0..<1, 0..<0, 0..<0, 0..<0])
    }

    @Test func chineseCharactersAreSplitOnePerToken() throws {
        let tokenizer = try WordPieceTokenizer(vocabFile: Self.chineseDirectory.appendingPathComponent("vocab.txt"),
                                               options: .init(lowercase: false))
        #expect(tokenizer.tokenize("今天天气") == ["今", "天", "天", "气"])
    }

    @Test func truncationKeepsSpecialTokensAndLength() throws {
        let tokenizer = try WordPieceTokenizer(directory: Self.minilmDirectory)
        let long = String(repeating: "word ", count: 600)
        let encoding = tokenizer.encode(long, maxLength: 512)
        #expect(encoding.count == 512)
        #expect(encoding.ids.first == 101 && encoding.ids.last == 102)
        let pair = tokenizer.encode(long, pair: "short text", maxLength: 64)
        #expect(pair.count == 64)
        #expect(pair.tokenTypeIds.filter { $0 == 1 }.count == 3)  // "short", "text", [SEP]
    }

    @Test func invalidUTF8BytesAreReplacedNotFatal() throws {
        let tokenizer = try WordPieceTokenizer(directory: Self.minilmDirectory)
        let bytes: [UInt8] = [0x68, 0x69, 0xFF, 0xC3, 0x28, 0xED, 0xA0, 0x80]
        let encoding = tokenizer.encode(bytes: bytes, maxLength: nil)
        // U+FFFD is removed by clean_text: "hi" and "(" remain.
        #expect(encoding.tokens == ["[CLS]", "hi", "(", "[SEP]"])
    }

    @Test func windowsLineEndingsInVocabFileAreAccepted() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crlf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = try String(contentsOf: Self.minilmDirectory.appendingPathComponent("vocab.txt"), encoding: .utf8)
        let crlf = folder.appendingPathComponent("vocab.txt")
        try Data(original.replacingOccurrences(of: "\n", with: "\r\n").utf8).write(to: crlf)
        let reference = try WordPieceTokenizer(directory: Self.minilmDirectory)
        let tokenizer = try WordPieceTokenizer(vocabFile: crlf)
        let text = "Breaking: the Café was closed!! 今天"
        #expect(tokenizer.encode(text, maxLength: nil) == reference.encode(text, maxLength: nil))
        #expect(tokenizer.vocabularySize == reference.vocabularySize)
    }

    @Test func missingFileNamesThePath() throws {
        let missing = TokenizerFixtures.directory.appendingPathComponent("no-such-model")
        #expect(throws: TokenizerError.missingFile(path: missing.appendingPathComponent("vocab.txt").path)) {
            try WordPieceTokenizer(directory: missing)
        }
    }

    @Test func malformedAndUnsupportedTokenizerJSONAreReported() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wordpiece-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let broken = folder.appendingPathComponent("broken.json")
        try Data("{\"model\": ".utf8).write(to: broken)
        #expect {
            try WordPieceTokenizer(tokenizerJSON: broken)
        } throws: { error in
            guard case TokenizerError.malformedFile(let path, _) = error else { return false }
            return path == broken.path
        }
        let bpe = TokenizerFixtures.directory.appendingPathComponent("roberta/tokenizer.json")
        #expect {
            try WordPieceTokenizer(tokenizerJSON: bpe)
        } throws: { error in
            guard case TokenizerError.unsupported(let path, let component) = error else { return false }
            return path == bpe.path && component.contains("BPE")
        }
    }
}
