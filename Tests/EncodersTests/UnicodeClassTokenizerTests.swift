import Foundation
import Testing
@testable import Encoders

/// Every code point's class in the normalizers and pre-tokenizers against an exhaustive scan of
/// Hugging Face `tokenizers` (fixture: Tests/Fixtures/generate/tokenizers.py, unicode_classes.json).
@Suite struct UnicodeClassTokenizerTests {
    struct Mapping: Decodable {
        var runs: [[Int]]
        var multi: [Multi]
        struct Multi: Decodable {
            var codePoint: Int
            var output: [Int]
            init(from decoder: Decoder) throws {
                var container = try decoder.unkeyedContainer()
                codePoint = try container.decode(Int.self)
                output = try container.decode([Int].self)
            }
        }
    }

    struct Fixture: Decodable {
        var classes: [String: [[Int]]]
        var strip_accents_lowercase: Mapping
        var lowercase: Mapping
        var nfc: Mapping
    }

    static let fixture: Fixture? = {
        let url = TokenizerFixtures.directory.appendingPathComponent("unicode_classes.json")
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(Fixture.self, from: data)
    }()

    static let allScalars: [Unicode.Scalar] = (0...0x10FFFF).compactMap { Unicode.Scalar(UInt32($0)) }

    static func membership(_ ranges: [[Int]]) -> Set<UInt32> {
        var members = Set<UInt32>()
        for range in ranges where range.count == 2 {
            for value in range[0]...range[1] { members.insert(UInt32(value)) }
        }
        return members
    }

    /// Code points (hex) where `predicate` disagrees with the reference class, at most 40 listed.
    static func disagreements(_ name: String, _ predicate: (Unicode.Scalar) -> Bool) throws -> [String] {
        let fixture = try #require(Self.fixture)
        let members = membership(try #require(fixture.classes[name]))
        return allScalars.filter { predicate($0) != members.contains($0.value) }
            .prefix(40).map { String($0.value, radix: 16) }
    }

    @Test func bertRemovedCharacters() throws {
        let wrong = try Self.disagreements("bert_removed", UnicodeClasses.isBertRemoved)
        #expect(wrong.isEmpty, "\(wrong)")
    }

    @Test func bertWhitespace() throws {
        let wrong = try Self.disagreements("bert_whitespace") {
            !UnicodeClasses.isBertRemoved($0) && UnicodeClasses.isBertWhitespace($0)
        }
        #expect(wrong.isEmpty, "\(wrong)")
    }

    @Test func bertPunctuation() throws {
        let wrong = try Self.disagreements("bert_punctuation") {
            UnicodeClasses.isBertPunctuation($0) && !UnicodeClasses.isRegexSpace($0)
        }
        #expect(wrong.isEmpty, "\(wrong)")
    }

    @Test func chineseCharacters() throws {
        let wrong = try Self.disagreements("bert_chinese", UnicodeClasses.isChineseCharacter)
        #expect(wrong.isEmpty, "\(wrong)")
    }

    @Test func regexLetterNumberSpace() throws {
        let letters = try Self.disagreements("regex_letter", UnicodeClasses.isLetter)
        let numbers = try Self.disagreements("regex_number", UnicodeClasses.isNumber)
        let spaces = try Self.disagreements("regex_space", UnicodeClasses.isRegexSpace)
        #expect(letters.isEmpty, "letters \(letters)")
        #expect(numbers.isEmpty, "numbers \(numbers)")
        #expect(spaces.isEmpty, "spaces \(spaces)")
    }

    static func expectedMapping(_ mapping: Mapping) -> [UInt32: [UInt32]] {
        var expected: [UInt32: [UInt32]] = [:]
        for run in mapping.runs where run.count == 4 {
            for step in 0..<run[1] {
                let codePoint = run[0] + step * run[2]
                expected[UInt32(codePoint)] = [UInt32(codePoint + run[3])]
            }
        }
        for entry in mapping.multi { expected[UInt32(entry.codePoint)] = entry.output.map(UInt32.init) }
        return expected
    }

    static func mappingDisagreements(_ mapping: Mapping, skipping skipped: ClosedRange<UInt32>? = nil,
                                     _ transform: ([Unicode.Scalar]) -> [Unicode.Scalar]) -> [String] {
        let expected = expectedMapping(mapping)
        var wrong: [String] = []
        for scalar in allScalars where !(skipped?.contains(scalar.value) ?? false) {
            let output = transform([scalar]).map(\.value)
            let reference = expected[scalar.value] ?? [scalar.value]
            if output != reference {
                wrong.append("\(String(scalar.value, radix: 16)): want \(reference.map { String($0, radix: 16) }) "
                    + "got \(output.map { String($0, radix: 16) })")
                if wrong.count >= 40 { break }
            }
        }
        return wrong
    }

    @Test func stripAccentsAndLowercaseOfEveryCodePoint() throws {
        let fixture = try #require(Self.fixture)
        let normalizer = BertNormalizer(cleanText: false, handleChineseCharacters: false, stripAccents: true, lowercase: true)
        // Hangul syllables are left out of the fixture (algorithmic decomposition).
        let wrong = Self.mappingDisagreements(fixture.strip_accents_lowercase, skipping: 0xAC00...0xD7A3) {
            normalizer.normalize($0)
        }
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
    }

    @Test func lowercaseOfEveryCodePoint() throws {
        let fixture = try #require(Self.fixture)
        let wrong = Self.mappingDisagreements(fixture.lowercase) { scalars in
            var output: [Unicode.Scalar] = []
            for scalar in scalars { UnicodeClasses.appendLowercase(scalar, to: &output) }
            return output
        }
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
    }

    @Test func canonicalCompositionOfEveryCodePoint() throws {
        let fixture = try #require(Self.fixture)
        let wrong = Self.mappingDisagreements(fixture.nfc) { UnicodeClasses.canonicalComposition($0) }
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
    }
}
