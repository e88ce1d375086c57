/// BERT's text normalisation, as `tokenizers`' `BertNormalizer` (and BERT's `BasicTokenizer`):
///
/// 1. `cleanText`: delete NUL, U+FFFD and control/format/private-use scalars (Cc, Cf, Co; tab,
///    newline and carriage return excepted), turn every whitespace scalar into a space;
/// 2. `handleChineseCharacters`: put a space on each side of every CJK ideograph;
/// 3. `stripAccents` (defaults to `lowercase` when unset): NFD, then delete non-spacing marks (Mn,
///    Unicode 8.0 table);
/// 4. `lowercase`: full Unicode lower-case mapping, scalar by scalar.
struct BertNormalizer: Sendable {
    var cleanText = true
    var handleChineseCharacters = true
    var stripAccents: Bool? = nil
    var lowercase = true

    func normalize(_ input: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(input.count + 8)
        for scalar in input {
            if cleanText {
                if UnicodeClasses.isBertRemoved(scalar) { continue }
                if UnicodeClasses.isBertWhitespace(scalar) {
                    scalars.append(" ")
                    continue
                }
            }
            if handleChineseCharacters && UnicodeClasses.isChineseCharacter(scalar) {
                scalars.append(" ")
                scalars.append(scalar)
                scalars.append(" ")
            } else {
                scalars.append(scalar)
            }
        }
        if stripAccents ?? lowercase {
            scalars = UnicodeClasses.bertDecomposition(scalars).filter { !UnicodeClasses.isBertNonspacingMark($0) }
        }
        if lowercase {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(scalars.count)
            for scalar in scalars { UnicodeClasses.appendLowercase(scalar, to: &lowered) }
            scalars = lowered
        }
        return scalars
    }
}

/// BERT's pre-tokenisation, as `tokenizers`' `BertPreTokenizer`: split on whitespace (dropped),
/// then isolate every punctuation scalar as its own word.
enum BertPreTokenizer {
    static func words(_ scalars: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var words: [ArraySlice<Unicode.Scalar>] = []
        var start = 0
        for index in scalars.indices {
            let scalar = scalars[index]
            if UnicodeClasses.isRegexSpace(scalar) {
                if start < index { words.append(scalars[start..<index]) }
                start = index + 1
            } else if UnicodeClasses.isBertPunctuation(scalar) {
                if start < index { words.append(scalars[start..<index]) }
                words.append(scalars[index...index])
                start = index + 1
            }
        }
        if start < scalars.count { words.append(scalars[start...]) }
        return words
    }
}
