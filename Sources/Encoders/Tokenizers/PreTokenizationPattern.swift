/// Hand-written scanners for the pre-tokenisation regexes of byte-level BPE tokenizers
/// (Oniguruma semantics: alternatives tried in order at each position, greedy repetition).
enum PreTokenizationPattern: Sendable {
    /// GPT-2 / RoBERTa (`ByteLevel` pre-tokenizer):
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// CLIP (`Split` with `invert`, whitespace dropped):
    /// `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`.
    case clip
    /// CLIP's pattern without the two special-token alternatives (older `tokenizer.json` files).
    case clipWithoutSpecialTokens

    private enum CharacterClass { case letter, number, space, other }

    @inline(__always)
    private static func characterClass(_ scalar: Unicode.Scalar) -> CharacterClass {
        if UnicodeClasses.isLetter(scalar) { return .letter }
        if UnicodeClasses.isNumber(scalar) { return .number }
        if UnicodeClasses.isRegexSpace(scalar) { return .space }
        return .other
    }

    /// Ranges of the pieces of `scalars`, in order.
    func pieces(_ scalars: ArraySlice<Unicode.Scalar>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var index = scalars.startIndex
        let end = scalars.endIndex
        while index < end {
            switch self {
            case .gpt2:
                let next = Self.gpt2Match(scalars, at: index)
                result.append(index..<next)
                index = next
            case .clip, .clipWithoutSpecialTokens:
                if let next = Self.clipMatch(scalars, at: index, specialTokens: self == .clip) {
                    result.append(index..<next)
                    index = next
                } else {
                    index += 1
                }
            }
        }
        return result
    }

    /// Length of `'s|'t|'re|'ve|'m|'ll|'d` at `index`, or 0.
    @inline(__always)
    private static func contractionLength(_ scalars: ArraySlice<Unicode.Scalar>, at index: Int) -> Int {
        guard scalars[index] == "'", index + 1 < scalars.endIndex else { return 0 }
        switch scalars[index + 1] {
        case "s", "t", "m", "d": return 2
        case "r", "v":
            return index + 2 < scalars.endIndex && scalars[index + 2] == "e" ? 3 : 0
        case "l":
            return index + 2 < scalars.endIndex && scalars[index + 2] == "l" ? 3 : 0
        default: return 0
        }
    }

    /// End of the run of scalars of class `kind` starting at `index`.
    @inline(__always)
    private static func runEnd(_ scalars: ArraySlice<Unicode.Scalar>, from index: Int, _ kind: CharacterClass) -> Int {
        var position = index
        while position < scalars.endIndex && characterClass(scalars[position]) == kind { position += 1 }
        return position
    }

    /// End of the GPT-2 match starting at `index` (every position starts a match).
    private static func gpt2Match(_ scalars: ArraySlice<Unicode.Scalar>, at index: Int) -> Int {
        let contraction = contractionLength(scalars, at: index)
        if contraction > 0 { return index + contraction }
        var start = index
        if scalars[index] == " ", index + 1 < scalars.endIndex, characterClass(scalars[index + 1]) != .space {
            start = index + 1
        }
        let kind = characterClass(scalars[start])
        if kind != .space { return runEnd(scalars, from: start, kind) }
        // \s+(?!\S) backs off one scalar when the run is followed by a non-space; \s+ takes a lone one.
        let spaceEnd = runEnd(scalars, from: index, .space)
        if spaceEnd == scalars.endIndex || spaceEnd - index == 1 { return spaceEnd }
        return spaceEnd - 1
    }

    private static let startOfText = Array("<|startoftext|>".unicodeScalars)
    private static let endOfText = Array("<|endoftext|>".unicodeScalars)

    /// End of the CLIP match at `index`, or nil when the scalar is whitespace (dropped).
    private static func clipMatch(_ scalars: ArraySlice<Unicode.Scalar>, at index: Int, specialTokens: Bool) -> Int? {
        if specialTokens && scalars[index] == "<" {
            for literal in [startOfText, endOfText] where scalars[index...].starts(with: literal) {
                return index + literal.count
            }
        }
        let contraction = contractionLength(scalars, at: index)
        if contraction > 0 { return index + contraction }
        switch characterClass(scalars[index]) {
        case .letter: return runEnd(scalars, from: index, .letter)
        case .number: return index + 1
        case .other: return runEnd(scalars, from: index, .other)
        case .space: return nil
        }
    }
}
