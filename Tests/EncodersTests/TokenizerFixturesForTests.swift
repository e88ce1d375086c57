import Foundation
@testable import Encoders

/// Fixtures written by Tests/Fixtures/generate/tokenizers.py (Hugging Face tokenizers 0.23,
/// transformers 5.23).
enum TokenizerFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tokenizers")

    struct CorpusEntry {
        var name: String
        /// The text as the reference saw it (invalid UTF-8 decoded with replacement).
        var text: String
        /// The raw bytes for entries stored as base64 (invalid UTF-8), else nil.
        var bytes: [UInt8]?
    }

    struct Expected: Decodable {
        struct Entry: Decodable {
            var name: String
            var ids: [Int]
            var tokens: [String]
            var truncated_ids: [Int]
            /// Code-point spans (`offset_mapping`), for tokenizers that compute offsets.
            var offsets: [[Int]]?
        }
        struct Pair: Decodable {
            var a: String
            var b: String
            var max_length: Int
            var ids: [Int]
            var token_type_ids: [Int]
        }
        struct Batch: Decodable {
            var texts: [String]
            var ids: [[Int]]
            var attention_mask: [[Int]]
            var token_type_ids: [[Int]]
        }
        struct Padded: Decodable {
            var text: String
            var length: Int
            var ids: [Int]
            var attention_mask: [Int]
        }
        var max_length: Int
        var pad_id: Int
        var vocabulary_size: Int
        var entries: [Entry]
        /// Ids of each string of random_strings.json.
        var random_ids: [[Int]]
        /// Offsets of each random string, for tokenizers that compute offsets.
        var random_offsets: [[[Int]]]?
        var pairs: [Pair]
        var batch: Batch
        var padded_single: Padded
    }

    static func corpus() throws -> [CorpusEntry] {
        let data = try Data(contentsOf: directory.appendingPathComponent("hard_strings.json"))
        let raw = try JSONDecoder().decode([[String: String]].self, from: data)
        return raw.map { entry in
            let name = entry["name"] ?? "?"
            if let encoded = entry["base64"], let bytes = Data(base64Encoded: encoded) {
                return CorpusEntry(name: name, text: String(decoding: bytes, as: UTF8.self), bytes: Array(bytes))
            }
            return CorpusEntry(name: name, text: entry["text"] ?? "", bytes: nil)
        }
    }

    static func expected(_ name: String) throws -> Expected {
        let data = try Data(contentsOf: directory.appendingPathComponent("expected_\(name).json"))
        return try JSONDecoder().decode(Expected.self, from: data)
    }

    /// Mismatch descriptions for every corpus entry (empty when all match exactly).
    static func corpusMismatches(_ tokenizer: some TextTokenizer, expected: Expected) throws -> [String] {
        let corpus = try corpus()
        var mismatches: [String] = []
        if corpus.count != expected.entries.count {
            mismatches.append("corpus has \(corpus.count) entries, expected file \(expected.entries.count)")
        }
        for (entry, reference) in zip(corpus, expected.entries) {
            let encoding = entry.bytes.map { tokenizer.encode(bytes: $0, maxLength: nil) }
                ?? tokenizer.encode(entry.text, maxLength: nil)
            if encoding.ids != reference.ids || encoding.tokens != reference.tokens {
                mismatches.append("""
                    entry \(entry.name) \(entry.text.debugDescription)
                      expected \(reference.tokens) \(reference.ids)
                      got      \(encoding.tokens) \(encoding.ids)
                    """)
            }
            if let referenceOffsets = reference.offsets {
                let offsets = encoding.offsets?.map { [$0.lowerBound, $0.upperBound] }
                if offsets != referenceOffsets {
                    mismatches.append("entry \(entry.name) offsets: expected \(referenceOffsets) got \(offsets ?? [])")
                }
            }
            let truncated = tokenizer.encode(entry.text, maxLength: expected.max_length)
            if truncated.ids != reference.truncated_ids {
                mismatches.append("entry \(entry.name) truncated to \(expected.max_length): expected "
                    + "\(reference.truncated_ids) got \(truncated.ids)")
            }
        }
        return mismatches + (try randomMismatches(tokenizer, expected: expected))
    }

    /// Mismatch descriptions for the seeded random strings.
    static func randomMismatches(_ tokenizer: some TextTokenizer, expected: Expected) throws -> [String] {
        let data = try Data(contentsOf: directory.appendingPathComponent("random_strings.json"))
        let texts = try JSONDecoder().decode([String].self, from: data)
        var mismatches: [String] = []
        if texts.count != expected.random_ids.count {
            mismatches.append("random_strings.json has \(texts.count) strings, expected ids \(expected.random_ids.count)")
        }
        for (index, (text, ids)) in zip(texts, expected.random_ids).enumerated() {
            let encoding = tokenizer.encode(text, maxLength: nil)
            if encoding.ids != ids {
                mismatches.append("random string \(index) \(text.debugDescription)\n  expected \(ids)\n  got      "
                    + "\(encoding.ids) \(encoding.tokens)")
            }
            if let referenceOffsets = expected.random_offsets?[index] {
                let offsets = encoding.offsets?.map { [$0.lowerBound, $0.upperBound] }
                if offsets != referenceOffsets {
                    mismatches.append("random string \(index) \(text.debugDescription) offsets: expected "
                        + "\(referenceOffsets) got \(offsets ?? [])")
                }
            }
        }
        return mismatches
    }

    /// Mismatch descriptions for pairs, the padded batch and the padded single text.
    static func encodingMismatches(_ tokenizer: some TextTokenizer, expected: Expected) -> [String] {
        var mismatches: [String] = []
        for pair in expected.pairs {
            let encoding = tokenizer.encode(pair.a, pair: pair.b, maxLength: pair.max_length)
            if encoding.ids != pair.ids || encoding.tokenTypeIds != pair.token_type_ids {
                mismatches.append("pair (\(pair.a.prefix(30).debugDescription), \(pair.b.prefix(30).debugDescription)) "
                    + "max \(pair.max_length): expected \(pair.ids) / \(pair.token_type_ids), got \(encoding.ids) / "
                    + "\(encoding.tokenTypeIds)")
            }
        }
        let batch = tokenizer.encodeBatch(expected.batch.texts, maxLength: nil)
        if batch.map(\.ids) != expected.batch.ids || batch.map(\.attentionMask) != expected.batch.attention_mask
            || batch.map(\.tokenTypeIds) != expected.batch.token_type_ids {
            mismatches.append("batch: expected \(expected.batch.ids) got \(batch.map(\.ids))")
        }
        let padded = tokenizer.encode(expected.padded_single.text, paddedTo: expected.padded_single.length)
        if padded.ids != expected.padded_single.ids || padded.attentionMask != expected.padded_single.attention_mask {
            mismatches.append("padded single: expected \(expected.padded_single.ids) got \(padded.ids)")
        }
        return mismatches
    }
}
