import Foundation
import Testing
@testable import Encoders

/// `TokenizerLoader` picks the tokenizer a model directory describes.
@Suite struct TokenizerLoaderTokenizerTests {
    static let directory = TokenizerFixtures.directory

    @Test func picksTheTokenizerOfEachFixtureDirectory() throws {
        let minilm = try TokenizerLoader.load(directory: Self.directory.appendingPathComponent("minilm"))
        #expect(minilm is WordPieceTokenizer)
        #expect(minilm.encode("hello world", maxLength: nil).ids == [101, 7592, 2088, 102])
        let chinese = try TokenizerLoader.load(directory: Self.directory.appendingPathComponent("chinese"))
        #expect(chinese is WordPieceTokenizer)
        for flavour in BytePairTokenizer.Flavour.allCases {
            let tokenizer = try TokenizerLoader.load(directory: Self.directory.appendingPathComponent(flavour.rawValue))
            #expect((tokenizer as? BytePairTokenizer)?.flavour == flavour)
        }
    }

    @Test func vocabularyFilesTakeTheFlavourFromTheConfig() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = Self.directory.appendingPathComponent("clip")
        for name in ["vocab.json", "merges.txt"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        #expect {
            _ = try TokenizerLoader.load(directory: folder)
        } throws: { error in
            guard case TokenizerError.unsupported(let path, _) = error else { return false }
            return path.hasSuffix("vocab.json")
        }
        try Data(#"{"tokenizer_class": "CLIPTokenizer"}"#.utf8).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        let tokenizer = try TokenizerLoader.load(directory: folder)
        #expect((tokenizer as? BytePairTokenizer)?.flavour == .clip)
        let expected = try TokenizerFixtures.expected("clip")
        #expect(tokenizer.encode("Hello, world! This is a simple sentence.", maxLength: nil).ids == expected.entries[3].ids)
    }

    @Test func emptyDirectoryNamesTheMissingFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loader-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: TokenizerError.missingFile(path: folder.appendingPathComponent("tokenizer.json").path)) {
            _ = try TokenizerLoader.load(directory: folder)
        }
    }
}
