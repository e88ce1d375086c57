/// A special token matched verbatim in the raw text before normalisation (`tokenizers`' added
/// tokens with `normalized: false`), such as `[CLS]` or `<|endoftext|>`.
struct AddedToken: Sendable {
    var content: String
    var id: Int
    /// Whitespace to the left of a match belongs to the match (RoBERTa's `<mask>`).
    var stripLeft = false
    /// Whitespace to the right of a match belongs to the match.
    var stripRight = false
}

/// Splits raw text around added tokens, leftmost-longest first, like `tokenizers`' `AddedVocabulary`.
struct AddedTokenSplitter: Sendable {
    enum Segment: Equatable {
        case text(ArraySlice<Unicode.Scalar>)
        /// A matched added token and its scalar range in the text (stripped whitespace included).
        case token(VocabularyToken, Range<Int>)
    }

    private let tokens: [(scalars: [Unicode.Scalar], token: AddedToken)]
    private let firstScalars: [Unicode.Scalar]

    init(_ tokens: [AddedToken]) {
        self.tokens = tokens.filter { !$0.content.isEmpty }
            .map { (Array($0.content.unicodeScalars), $0) }
            .sorted { $0.scalars.count > $1.scalars.count }
        firstScalars = Array(Set(self.tokens.compactMap(\.scalars.first)))
    }

    func split(_ scalars: [Unicode.Scalar]) -> [Segment] {
        var segments: [Segment] = []
        var textStart = 0
        var index = 0
        while index < scalars.count {
            guard firstScalars.contains(scalars[index]), let match = longestMatch(in: scalars, at: index) else {
                index += 1
                continue
            }
            var matchStart = index
            var matchEnd = index + match.scalars.count
            if match.token.stripLeft {
                while matchStart > textStart && scalars[matchStart - 1].properties.isWhitespace { matchStart -= 1 }
            }
            if match.token.stripRight {
                while matchEnd < scalars.count && scalars[matchEnd].properties.isWhitespace { matchEnd += 1 }
            }
            if textStart < matchStart { segments.append(.text(scalars[textStart..<matchStart])) }
            segments.append(.token(VocabularyToken(id: match.token.id, text: match.token.content), matchStart..<matchEnd))
            textStart = matchEnd
            index = matchEnd
        }
        if textStart < scalars.count { segments.append(.text(scalars[textStart...])) }
        return segments
    }

    private func longestMatch(in scalars: [Unicode.Scalar], at index: Int)
        -> (scalars: [Unicode.Scalar], token: AddedToken)? {
        for candidate in tokens where candidate.scalars.count <= scalars.count - index {
            var matches = true
            for offset in candidate.scalars.indices where scalars[index + offset] != candidate.scalars[offset] {
                matches = false
                break
            }
            if matches { return candidate }
        }
        return nil
    }
}
