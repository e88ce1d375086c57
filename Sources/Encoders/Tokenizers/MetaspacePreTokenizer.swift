/// The pre-tokenizers of SentencePiece-style `tokenizer.json` files (`pre_tokenizer`):
/// `Metaspace`, optionally after `WhitespaceSplit` or `Punctuation` in a `Sequence`.
///
/// `Metaspace` replaces every space by the replacement (▁, U+2581), prepends one to a piece
/// that does not start with it (`prepend_scheme` `always`; `first`: only the text's first
/// segment; `never`), and with `split` cuts before every ▁, so each word keeps its ▁ prefix:
/// `"Hello  world"` → `▁Hello`, `▁`, `▁world`.
struct MetaspacePreTokenizer: Sendable {
    enum Step: Sendable {
        case metaspace(replacement: Unicode.Scalar, prepend: Prepend, split: Bool)
        case whitespaceSplit
        case punctuationIsolated
    }

    enum Prepend: Sendable { case always, first, never }

    var steps: [Step]

    /// The pre-tokenizer of `pre_tokenizer`.
    /// - Throws: `TokenizerError.unsupported` for other pre-tokenizer types.
    init(json value: Any?, file: TokenizerJSON) throws {
        steps = []
        try append(value, file: file)
        guard steps.contains(where: { if case .metaspace = $0 { return true } else { return false } }) else {
            throw file.unsupported("a unigram pre_tokenizer without Metaspace")
        }
    }

    private mutating func append(_ value: Any?, file: TokenizerJSON) throws {
        guard let object = value as? [String: Any] else { return }
        guard let type = object["type"] as? String else { throw file.malformed("a pre_tokenizer has no \"type\"") }
        switch type {
        case "Sequence":
            for child in object["pretokenizers"] as? [Any] ?? [] { try append(child, file: file) }
        case "Metaspace":
            let replacement = (object["replacement"] as? String)?.unicodeScalars.first ?? "\u{2581}"
            let prepend: Prepend
            switch object["prepend_scheme"] as? String {
            case "first": prepend = .first
            case "never": prepend = .never
            case "always": prepend = .always
            default: prepend = (object["add_prefix_space"] as? Bool ?? true) ? .always : .never
            }
            steps.append(.metaspace(replacement: replacement, prepend: prepend, split: object["split"] as? Bool ?? true))
        case "WhitespaceSplit": steps.append(.whitespaceSplit)
        case "Punctuation":
            guard (object["behavior"] as? String ?? "Isolated") == "Isolated" else {
                throw file.unsupported("Punctuation pre_tokenizer with behavior \(object["behavior"] ?? "?")")
            }
            steps.append(.punctuationIsolated)
        default: throw file.unsupported("pre_tokenizer type \(type)")
        }
    }

    /// The words of one normalised segment; `isFirstSegment` is whether it starts the text.
    func words(_ text: [Unicode.Scalar], isFirstSegment: Bool) -> [[Unicode.Scalar]] {
        var pieces = [text]
        for step in steps {
            var next: [[Unicode.Scalar]] = []
            for (index, piece) in pieces.enumerated() {
                switch step {
                case let .metaspace(replacement, prepend, split):
                    var scalars = piece.map { $0 == " " ? replacement : $0 }
                    let shouldPrepend = prepend == .always || (prepend == .first && isFirstSegment && index == 0)
                    if shouldPrepend && scalars.first != replacement { scalars.insert(replacement, at: 0) }
                    next += split ? Self.splitBefore(scalars, replacement) : [scalars]
                case .whitespaceSplit:
                    next += piece.split(whereSeparator: { $0.properties.isWhitespace }).map(Array.init)
                case .punctuationIsolated:
                    var current: [Unicode.Scalar] = []
                    for scalar in piece {
                        if UnicodeClasses.isBertPunctuation(scalar) {
                            if !current.isEmpty { next.append(current) }
                            next.append([scalar])
                            current = []
                        } else {
                            current.append(scalar)
                        }
                    }
                    if !current.isEmpty { next.append(current) }
                }
            }
            pieces = next.filter { !$0.isEmpty }
        }
        return pieces
    }

    /// Splits so each `separator` starts a new piece (`MergedWithNext`).
    static func splitBefore(_ scalars: [Unicode.Scalar], _ separator: Unicode.Scalar) -> [[Unicode.Scalar]] {
        var result: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in scalars {
            if scalar == separator && !current.isEmpty {
                result.append(current)
                current = []
            }
            current.append(scalar)
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}
