import Foundation

/// Character classes of Hugging Face `tokenizers`' normalizers and pre-tokenizers, computed from
/// `Unicode.Scalar.Properties` (checked against the reference for every code point by
/// `UnicodeClassTokenizerTests`).
///
/// The reference's tables are older than the Swift runtime's (Unicode 17): `BertNormalizer` and
/// `BertPreTokenizer` classify control, punctuation and non-spacing-mark characters with Unicode
/// 8.0 tables (the `unicode_categories` crate) and the Oniguruma regexes use Unicode 16.0, so each
/// class only counts scalars assigned by its version.
enum UnicodeClasses {
    /// Whether `scalar` was assigned in Unicode 8.0 or earlier.
    @inline(__always)
    static func isInUnicode8(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major < 8 || (age.major == 8 && age.minor == 0)
    }

    /// Whether `scalar` was assigned in Unicode 16.0 or earlier.
    @inline(__always)
    static func isInUnicode16(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major <= 16
    }

    /// One bit per class, precomputed for the Basic Multilingual Plane.
    private enum Flag {
        static let bertRemoved: UInt8 = 1
        static let bertWhitespace: UInt8 = 2
        static let bertPunctuation: UInt8 = 4
        static let chinese: UInt8 = 8
        static let letter: UInt8 = 16
        static let number: UInt8 = 32
        static let space: UInt8 = 64
    }

    private static func computedFlags(_ scalar: Unicode.Scalar) -> UInt8 {
        var flags: UInt8 = 0
        if computedIsBertRemoved(scalar) { flags |= Flag.bertRemoved }
        if computedIsBertWhitespace(scalar) { flags |= Flag.bertWhitespace }
        if computedIsBertPunctuation(scalar) { flags |= Flag.bertPunctuation }
        if computedIsChineseCharacter(scalar) { flags |= Flag.chinese }
        if computedIsLetter(scalar) { flags |= Flag.letter }
        if computedIsNumber(scalar) { flags |= Flag.number }
        if computedIsRegexSpace(scalar) { flags |= Flag.space }
        return flags
    }

    private static let basicPlaneFlags: [UInt8] = (0..<0x10000).map { value in
        Unicode.Scalar(UInt32(value)).map(computedFlags) ?? 0
    }

    /// The class bit from the table in the Basic Multilingual Plane, `computed` elsewhere.
    @inline(__always)
    private static func has(_ flag: UInt8, _ scalar: Unicode.Scalar, _ computed: (Unicode.Scalar) -> Bool) -> Bool {
        let value = scalar.value
        if value < 0x10000 { return basicPlaneFlags[Int(value)] & flag != 0 }
        return computed(scalar)
    }

    /// `BertNormalizer`'s whitespace: tab, newline, carriage return and every `White_Space` scalar.
    @inline(__always) static func isBertWhitespace(_ scalar: Unicode.Scalar) -> Bool { has(Flag.bertWhitespace, scalar, computedIsBertWhitespace) }
    /// Scalars `BertNormalizer(clean_text=True)` deletes (see `computedIsBertRemoved`).
    @inline(__always) static func isBertRemoved(_ scalar: Unicode.Scalar) -> Bool { has(Flag.bertRemoved, scalar, computedIsBertRemoved) }
    /// CJK ideographs `BertNormalizer(handle_chinese_chars=True)` isolates.
    @inline(__always) static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool { has(Flag.chinese, scalar, computedIsChineseCharacter) }
    /// `BertPreTokenizer`'s punctuation (see `computedIsBertPunctuation`).
    @inline(__always) static func isBertPunctuation(_ scalar: Unicode.Scalar) -> Bool { has(Flag.bertPunctuation, scalar, computedIsBertPunctuation) }
    /// Regex `\p{L}`, Unicode 16.0.
    @inline(__always) static func isLetter(_ scalar: Unicode.Scalar) -> Bool { has(Flag.letter, scalar, computedIsLetter) }
    /// Regex `\p{N}`, Unicode 16.0.
    @inline(__always) static func isNumber(_ scalar: Unicode.Scalar) -> Bool { has(Flag.number, scalar, computedIsNumber) }
    /// Regex `\s`: the `White_Space` property.
    @inline(__always) static func isRegexSpace(_ scalar: Unicode.Scalar) -> Bool { has(Flag.space, scalar, computedIsRegexSpace) }

    /// `BertNormalizer`'s whitespace: tab, newline, carriage return and every `White_Space` scalar.
    static func computedIsBertWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 {
            return scalar == " " || (scalar.value >= 0x09 && scalar.value <= 0x0D)
        }
        return scalar.properties.isWhitespace
    }

    /// Scalars `BertNormalizer(clean_text=True)` deletes: NUL, U+FFFD and "other" characters
    /// (general categories Cc, Cf, Co, Cs) except tab, newline and carriage return.
    static func computedIsBertRemoved(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            if value == 0x09 || value == 0x0A || value == 0x0D { return false }
            return value < 0x20 || value == 0x7F
        }
        if value == 0xFFFD { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate: return isInUnicode8(scalar)
        default: return false
        }
    }

    /// The CJK ideograph blocks `BertNormalizer(handle_chinese_chars=True)` surrounds with spaces
    /// (the ranges of `tokenizers/src/normalizers/bert.rs`).
    static func computedIsChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x3400 { return false }
        return (0x4E00...0x9FFF).contains(value)
            || (0x3400...0x4DBF).contains(value)
            || (0x20000...0x2A6DF).contains(value)
            || (0x2A700...0x2B73F).contains(value)
            || (0x2B740...0x2B81F).contains(value)
            || (0x2B920...0x2CEAF).contains(value)
            || (0xF900...0xFAFF).contains(value)
            || (0x2F800...0x2FA1F).contains(value)
    }

    /// `BertPreTokenizer`'s punctuation: ASCII punctuation or a Unicode P* general category.
    static func computedIsBertPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (value >= 33 && value <= 47) || (value >= 58 && value <= 64)
                || (value >= 91 && value <= 96) || (value >= 123 && value <= 126)
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return isInUnicode8(scalar)
        default:
            // Punctuation in Unicode 8.0, re-categorised since (CANADIAN SYLLABICS CHI SIGN, SHARADA SANDHI MARK).
            return value == 0x166D || value == 0x111C9
        }
    }

    /// Regex `\p{L}` (Oniguruma, as used by `tokenizers`' `Regex`).
    static func computedIsLetter(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (value >= 65 && value <= 90) || (value >= 97 && value <= 122)
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return isInUnicode16(scalar)
        default:
            return false
        }
    }

    /// Regex `\p{N}`.
    static func computedIsNumber(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value >= 48 && value <= 57 }
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return isInUnicode16(scalar)
        default: return false
        }
    }

    /// Regex `\s`: the `White_Space` property.
    static func computedIsRegexSpace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 {
            return scalar == " " || (scalar.value >= 0x09 && scalar.value <= 0x0D)
        }
        return scalar.properties.isWhitespace
    }

    /// A non-spacing mark (Mn) in Unicode 8.0: what `BertNormalizer`'s accent stripping deletes.
    @inline(__always)
    static func isBertNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x300 { return false }
        switch value {
        case 0x1734, 0x1171E: return true  // Mn in Unicode 8.0, Mc since
        case 0x1885, 0x1886, 0xA9BD, 0x111C9: return false  // not Mn in Unicode 8.0, Mn since
        default: return scalar.properties.generalCategory == .nonspacingMark && isInUnicode8(scalar)
        }
    }

    /// NFD in place as `BertNormalizer`'s accent stripping computes it, carrying each scalar's
    /// origin: every scalar is replaced by its full canonical decomposition, then each run of
    /// combining marks is stably sorted by combining class (canonical ordering). The reference's
    /// tables lack the decomposition of U+11938 (DIVES AKURU VOWEL SIGN O, Unicode 13.0), which
    /// therefore stays whole.
    static func bertDecompose(_ scalars: inout [Unicode.Scalar], origins: inout [Int]) {
        var decomposed: [Unicode.Scalar] = []
        var decomposedOrigins: [Int] = []
        decomposed.reserveCapacity(scalars.count + 8)
        decomposedOrigins.reserveCapacity(scalars.count + 8)
        for (scalar, origin) in zip(scalars, origins) {
            if isNormalizationStable(scalar) || scalar.value == 0x11938 {
                decomposed.append(scalar)
                decomposedOrigins.append(origin)
            } else {
                let parts = DecompositionCache.shared.decomposition(of: scalar)
                decomposed += parts
                for _ in parts { decomposedOrigins.append(origin) }
            }
        }
        // Canonical ordering: insertion sort (stable) inside each run of non-zero combining classes.
        var position = 0
        while position < decomposed.count {
            guard combiningClass(decomposed[position]) != 0 else {
                position += 1
                continue
            }
            let runStart = position
            while position < decomposed.count && combiningClass(decomposed[position]) != 0 { position += 1 }
            if position - runStart > 1 {
                for index in (runStart + 1)..<position {
                    var current = index
                    while current > runStart && combiningClass(decomposed[current - 1]) > combiningClass(decomposed[current]) {
                        decomposed.swapAt(current - 1, current)
                        decomposedOrigins.swapAt(current - 1, current)
                        current -= 1
                    }
                }
            }
        }
        scalars = decomposed
        origins = decomposedOrigins
    }

    @inline(__always)
    static func combiningClass(_ scalar: Unicode.Scalar) -> UInt8 {
        scalar.value < 0x300 ? 0 : scalar.properties.canonicalCombiningClass.rawValue
    }

    /// Full (possibly multi-scalar) lower-case mapping of one scalar, as Rust's `char::to_lowercase`.
    @inline(__always)
    static func appendLowercase(_ scalar: Unicode.Scalar, to output: inout [Unicode.Scalar]) {
        let value = scalar.value
        if value < 0x80 {
            if value >= 65 && value <= 90, let lowered = Unicode.Scalar(value + 32) {
                output.append(lowered)
            } else {
                output.append(scalar)
            }
            return
        }
        let properties = scalar.properties
        if !properties.changesWhenLowercased {
            output.append(scalar)
            return
        }
        output.append(contentsOf: properties.lowercaseMapping.unicodeScalars)
    }

    /// Scalars in ranges with no canonical decomposition or composition and combining class 0
    /// (ASCII and Latin-1 punctuation, general punctuation, CJK punctuation and ideographs,
    /// full-width forms, symbols and emoji): NFD and NFC leave text made only of them unchanged.
    @inline(__always)
    static func isNormalizationStable(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0xC0 { return true }
        if value < 0x2002 { return false }
        return (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x2002...0x206F).contains(value) || (0x3000...0x3029).contains(value)
            || (0x3030...0x303F).contains(value) || (0xFF00...0xFFEF).contains(value)
            || (0x2600...0x27BF).contains(value) || (0x1F000...0x1FAFF).contains(value)
            || (0x20000...0x2A6DF).contains(value)
    }

    /// Canonical composition (NFC) of a run of scalars.
    static func canonicalComposition(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if scalars.allSatisfy({ $0.value < 0x300 || isNormalizationStable($0) }) { return scalars }
        var text = String()
        text.unicodeScalars.append(contentsOf: scalars)
        return Array(text.precomposedStringWithCanonicalMapping.unicodeScalars)
    }
}

/// Full canonical decompositions of single scalars, computed once each (Foundation's NFD).
final class DecompositionCache: @unchecked Sendable {
    static let shared = DecompositionCache()

    private let lock = NSLock()
    private var decompositions: [UInt32: [Unicode.Scalar]] = [:]

    func decomposition(of scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        lock.lock()
        let cached = decompositions[scalar.value]
        lock.unlock()
        if let cached { return cached }
        let parts = Array(String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars)
        lock.lock()
        if decompositions.count >= 65_536 { decompositions.removeAll(keepingCapacity: true) }
        decompositions[scalar.value] = parts
        lock.unlock()
        return parts
    }
}
