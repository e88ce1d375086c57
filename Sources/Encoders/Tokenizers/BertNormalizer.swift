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

    /// The normalised scalars of `input`.
    func normalize(_ input: [Unicode.Scalar]) -> [Unicode.Scalar] {
        normalizeAligned(input[...]).scalars
    }

    /// The normalised scalars and, for each, the index in `input` of the scalar it comes from
    /// (decomposed marks, case expansions and the spaces around CJK ideographs point at their
    /// source scalar), which gives Hugging Face's offsets.
    func normalizeAligned(_ input: ArraySlice<Unicode.Scalar>) -> (scalars: [Unicode.Scalar], origins: [Int]) {
        var scalars: [Unicode.Scalar] = []
        var origins: [Int] = []
        scalars.reserveCapacity(input.count + 8)
        origins.reserveCapacity(input.count + 8)
        for index in input.indices {
            let scalar = input[index]
            if cleanText {
                if UnicodeClasses.isBertRemoved(scalar) { continue }
                if UnicodeClasses.isBertWhitespace(scalar) {
                    scalars.append(" ")
                    origins.append(index)
                    continue
                }
            }
            if handleChineseCharacters && UnicodeClasses.isChineseCharacter(scalar) {
                scalars += [" ", scalar, " "]
                origins += [index, index, index]
            } else {
                scalars.append(scalar)
                origins.append(index)
            }
        }
        if stripAccents ?? lowercase, !scalars.allSatisfy(UnicodeClasses.isNormalizationStable) {
            UnicodeClasses.bertDecompose(&scalars, origins: &origins)
            var kept = 0
            for position in scalars.indices where !UnicodeClasses.isBertNonspacingMark(scalars[position]) {
                scalars[kept] = scalars[position]
                origins[kept] = origins[position]
                kept += 1
            }
            scalars.removeSubrange(kept...)
            origins.removeSubrange(kept...)
        }
        if lowercase {
            var lowered: [Unicode.Scalar] = []
            var loweredOrigins: [Int] = []
            lowered.reserveCapacity(scalars.count)
            loweredOrigins.reserveCapacity(scalars.count)
            for (scalar, origin) in zip(scalars, origins) {
                let before = lowered.count
                UnicodeClasses.appendLowercase(scalar, to: &lowered)
                for _ in before..<lowered.count { loweredOrigins.append(origin) }
            }
            scalars = lowered
            origins = loweredOrigins
        }
        return (scalars, origins)
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
