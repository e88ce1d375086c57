import Foundation

/// Why a tokenizer could not be loaded. Each case names the file and says what to fix.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The file does not exist or cannot be read.
    case missingFile(path: String)
    /// The file exists but its content is not what the format requires.
    case malformedFile(path: String, reason: String)
    /// `tokenizer.json` describes a model or component this tokenizer does not implement.
    case unsupported(path: String, component: String)
    /// A special token the pipeline needs is absent from the vocabulary.
    case missingSpecialToken(path: String, token: String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "tokenizer file not found or unreadable: \(path) (point at a Hugging Face model directory "
                + "holding vocab.txt, or vocab.json + merges.txt, or tokenizer.json)"
        case .malformedFile(let path, let reason):
            return "malformed tokenizer file \(path): \(reason)"
        case .unsupported(let path, let component):
            return "unsupported tokenizer in \(path): \(component)"
        case .missingSpecialToken(let path, let token):
            return "the vocabulary in \(path) has no entry for the special token \(token); add it or use a "
                + "vocabulary from the same model"
        }
    }
}

extension TokenizerError {
    /// Reads a whole file, mapping a failure to `missingFile`.
    static func readFile(_ url: URL) throws -> Data {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TokenizerError.missingFile(path: url.path)
        }
        return data
    }

    /// Reads a UTF-8 text file (invalid bytes are replaced, as Python's `errors="replace"`).
    static func readText(_ url: URL) throws -> String {
        String(decoding: try readFile(url), as: UTF8.self)
    }

    /// The lines of a UTF-8 text file, split at `\n` scalars with a trailing `\r` removed
    /// (Python's universal newlines); a final empty line is dropped.
    static func readLines(_ url: URL) throws -> [String] {
        var lines = try readText(url).unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(String.UnicodeScalarView(line.last == "\r" ? line.dropLast() : line))
        }
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
