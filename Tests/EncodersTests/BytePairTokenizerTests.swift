import Foundation
import Testing
@testable import Encoders

/// Byte-level BPE parity with Hugging Face `tokenizers` for the CLIP and RoBERTa pipelines
/// (fixtures: Tests/Fixtures/generate/tokenizers.py). Tolerance: none, ids and tokens must be equal.
@Suite struct BytePairTokenizerTests {
    static func directory(_ flavour: BytePairTokenizer.Flavour) -> URL {
        TokenizerFixtures.directory.appendingPathComponent(flavour.rawValue)
    }

    static func fromVocabularyFiles(_ flavour: BytePairTokenizer.Flavour) throws -> BytePairTokenizer {
        try BytePairTokenizer(vocabularyFile: directory(flavour).appendingPathComponent("vocab.json"),
                              mergesFile: directory(flavour).appendingPathComponent("merges.txt"), flavour: flavour)
    }

    @Test(arguments: BytePairTokenizer.Flavour.allCases)
    func vocabularyFilesMatchReferenceOnHardStrings(_ flavour: BytePairTokenizer.Flavour) throws {
        let tokenizer = try Self.fromVocabularyFiles(flavour)
        let expected = try TokenizerFixtures.expected(flavour.rawValue)
        #expect(tokenizer.vocabularySize == expected.vocabulary_size)
        #expect(tokenizer.padId == expected.pad_id)
        var mismatches = try TokenizerFixtures.corpusMismatches(tokenizer, expected: expected)
        mismatches += TokenizerFixtures.encodingMismatches(tokenizer, expected: expected)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.joined(separator: "\n"))")
    }

    @Test(arguments: BytePairTokenizer.Flavour.allCases)
    func tokenizerJSONMatchesReferenceOnHardStrings(_ flavour: BytePairTokenizer.Flavour) throws {
        let tokenizer = try BytePairTokenizer(directory: Self.directory(flavour), flavour: flavour)
        #expect(tokenizer.flavour == flavour)
        let expected = try TokenizerFixtures.expected(flavour.rawValue)
        #expect(tokenizer.vocabularySize == expected.vocabulary_size)
        #expect(tokenizer.padId == expected.pad_id)
        var mismatches = try TokenizerFixtures.corpusMismatches(tokenizer, expected: expected)
        mismatches += TokenizerFixtures.encodingMismatches(tokenizer, expected: expected)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.joined(separator: "\n"))")
    }

    @Test(arguments: BytePairTokenizer.Flavour.allCases)
    func concurrentEncodingMatchesSequentialEncoding(_ flavour: BytePairTokenizer.Flavour) throws {
        let tokenizer = try Self.fromVocabularyFiles(flavour)
        let texts = try TokenizerFixtures.corpus().map(\.text)
        let sequential = texts.map { tokenizer.encode($0, maxLength: nil).ids }
        let results = TokenizerWorkerResults(count: 8)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            // Each worker walks the corpus from a different start so the shared merge cache is
            // filled and read from several threads at once.
            let order = (0..<texts.count).map { ($0 + worker * 7) % texts.count }
            var ids = [[Int]](repeating: [], count: texts.count)
            for index in order { ids[index] = tokenizer.encode(texts[index], maxLength: nil).ids }
            results.set(worker, ids)
        }
        for worker in 0..<8 { #expect(results.get(worker) == sequential, "worker \(worker)") }
    }

    @Test func clipTruncationToSeventySevenKeepsEndToken() throws {
        let tokenizer = try Self.fromVocabularyFiles(.clip)
        let encoding = tokenizer.encode(String(repeating: "a photo of a cat. ", count: 40), paddedTo: 77)
        #expect(encoding.count == 77)
        #expect(encoding.tokens.first == "<|startoftext|>" && encoding.tokens.last == "<|endoftext|>")
        #expect(encoding.attentionMask.allSatisfy { $0 == 1 })
        #expect(encoding.offsets == nil)
        let short = tokenizer.encode("a cat", paddedTo: 77)
        #expect(short.ids.suffix(70).allSatisfy { $0 == tokenizer.padId })
        #expect(short.attentionMask.reduce(0, +) == short.tokens.firstIndex(of: "<|endoftext|>").map { $0 + 1 })
    }

    @Test func preTokenizationPatternsSplitLikeTheRegexes() {
        func pieces(_ pattern: PreTokenizationPattern, _ text: String) -> [String] {
            let scalars = Array(text.unicodeScalars)
            return pattern.pieces(scalars[...]).map { range in
                var piece = String()
                piece.unicodeScalars.append(contentsOf: scalars[range])
                return piece
            }
        }
        #expect(pieces(.gpt2, "Hello world's  end!!\n\n x") == ["Hello", " world", "'s", " ", " end", "!!", "\n\n", " x"])
        #expect(pieces(.gpt2, "a   ") == ["a", "   "])
        #expect(pieces(.clip, "it's 2024!<|endoftext|>") == ["it", "'s", "2", "0", "2", "4", "!<|", "endoftext", "|>"])
        #expect(pieces(.clip, "<|endoftext|> x") == ["<|endoftext|>", "x"])
        #expect(pieces(.clipWithoutSpecialTokens, "<|endoftext|> x") == ["<|", "endoftext", "|>", "x"])
    }

    @Test func mergesFileErrorsNameTheLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bpe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let merges = folder.appendingPathComponent("merges.txt")
        try Data("#version: 0.2\na b\nthree parts here\n".utf8).write(to: merges)
        #expect {
            _ = try BytePairTokenizer.readMerges(merges)
        } throws: { error in
            guard case TokenizerError.malformedFile(let path, let reason) = error else { return false }
            return path == merges.path && reason.contains("line 3")
        }
        let vocabulary = folder.appendingPathComponent("vocab.json")
        try Data("{\"a\": 0, \"b\": 1}".utf8).write(to: vocabulary)
        try Data("#version: 0.2\na b\n".utf8).write(to: merges)
        #expect(throws: TokenizerError.missingSpecialToken(path: vocabulary.path, token: "<s>")) {
            try BytePairTokenizer(vocabularyFile: vocabulary, mergesFile: merges, flavour: .roberta)
        }
    }
}

/// Per-worker results written from concurrent threads.
final class TokenizerWorkerResults: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[[Int]]]

    init(count: Int) { values = Array(repeating: [], count: count) }

    func set(_ index: Int, _ value: [[Int]]) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }

    func get(_ index: Int) -> [[Int]] {
        lock.lock()
        defer { lock.unlock() }
        return values[index]
    }
}
