import Foundation

/// A `tokenizers` normalizer chain read from `tokenizer.json` (`normalizer`), applied to the
/// text between added tokens before pre-tokenisation.
///
/// Supported steps: `Sequence`, `Lowercase`, `Strip`, `Replace` (literal or regex pattern),
/// `NFC`, `NFD`, `NFKC`, `NFKD`, `Prepend`, and `Precompiled`. `Precompiled` (SentencePiece's
/// compiled `nmt_nfkc` character map, in the tokenizers converted from `spm.model`) is applied
/// as NFKC plus its whitespace rule (control characters removed, every Unicode space mapped to
/// U+0020), which agrees with the compiled map on text without rare compatibility characters.
struct NormalizerChain: Sendable {
    enum Step: Sendable {
        case lowercase
        case strip(left: Bool, right: Bool)
        case replaceLiteral(String, String)
        case replaceRegex(pattern: String, content: String)
        case nfc, nfd, nfkc, nfkd
        case prepend(String)
        case precompiled
    }

    var steps: [Step]

    /// The chain of `normalizer` (nil or JSON null: no normalisation).
    /// - Throws: `TokenizerError.unsupported` naming the normalizer type, `.malformedFile`.
    init(json value: Any?, file: TokenizerJSON) throws {
        steps = []
        try append(value, file: file)
    }

    private mutating func append(_ value: Any?, file: TokenizerJSON) throws {
        guard let object = value as? [String: Any] else { return }
        guard let type = object["type"] as? String else { throw file.malformed("a normalizer has no \"type\"") }
        switch type {
        case "Sequence":
            for child in object["normalizers"] as? [Any] ?? [] { try append(child, file: file) }
        case "Lowercase": steps.append(.lowercase)
        case "Strip":
            steps.append(.strip(left: object["strip_left"] as? Bool ?? true, right: object["strip_right"] as? Bool ?? true))
        case "Replace":
            let content = object["content"] as? String ?? ""
            let pattern = object["pattern"] as? [String: Any]
            if let literal = pattern?["String"] as? String {
                steps.append(.replaceLiteral(literal, content))
            } else if let regex = pattern?["Regex"] as? String {
                do {
                    _ = try NSRegularExpression(pattern: regex)
                } catch {
                    throw file.unsupported("Replace normalizer regex \(regex.debugDescription)")
                }
                steps.append(.replaceRegex(pattern: regex, content: content))
            } else {
                throw file.malformed("Replace normalizer needs a \"pattern\" with \"String\" or \"Regex\"")
            }
        case "NFC": steps.append(.nfc)
        case "NFD": steps.append(.nfd)
        case "NFKC": steps.append(.nfkc)
        case "NFKD": steps.append(.nfkd)
        case "Prepend": steps.append(.prepend(object["prepend"] as? String ?? ""))
        case "Precompiled": steps.append(.precompiled)
        default: throw file.unsupported("normalizer type \(type)")
        }
    }

    /// `text` after every step.
    func normalize(_ text: String) -> String {
        var text = text
        for step in steps {
            switch step {
            case .lowercase: text = text.lowercased()
            case let .strip(left, right):
                var scalars = Array(text.unicodeScalars)
                if right { while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() } }
                if left { scalars = Array(scalars.drop { $0.properties.isWhitespace }) }
                text = String(String.UnicodeScalarView(scalars))
            case let .replaceLiteral(pattern, content):
                text = text.replacingOccurrences(of: pattern, with: content, options: .literal)
            case let .replaceRegex(pattern, content):
                if let regex = try? NSRegularExpression(pattern: pattern) {
                    text = regex.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text),
                                                          withTemplate: NSRegularExpression.escapedTemplate(for: content))
                }
            case .nfc: text = text.precomposedStringWithCanonicalMapping
            case .nfd: text = text.decomposedStringWithCanonicalMapping
            case .nfkc: text = text.precomposedStringWithCompatibilityMapping
            case .nfkd: text = text.decomposedStringWithCompatibilityMapping
            case let .prepend(prefix): if !text.isEmpty { text = prefix + text }
            case .precompiled:
                let mapped = text.unicodeScalars.compactMap { scalar -> Unicode.Scalar? in
                    if scalar.properties.isWhitespace { return " " }
                    if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format {
                        return nil
                    }
                    return scalar
                }
                text = String(String.UnicodeScalarView(mapped)).precomposedStringWithCompatibilityMapping
            }
        }
        return text
    }
}
