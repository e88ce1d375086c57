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

    /// `BertNormalizer`'s whitespace: tab, newline, carriage return and every `White_Space` scalar.
    @inline(__always)
    static func isBertWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 {
            return scalar == " " || (scalar.value >= 0x09 && scalar.value <= 0x0D)
        }
        return scalar.properties.isWhitespace
    }

    /// Scalars `BertNormalizer(clean_text=True)` deletes: NUL, U+FFFD and "other" characters
    /// (general categories Cc, Cf, Co, Cs) except tab, newline and carriage return.
    @inline(__always)
    static func isBertRemoved(_ scalar: Unicode.Scalar) -> Bool {
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
    @inline(__always)
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
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
    @inline(__always)
    static func isBertPunctuation(_ scalar: Unicode.Scalar) -> Bool {
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
    @inline(__always)
    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
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
    @inline(__always)
    static func isNumber(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value >= 48 && value <= 57 }
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return isInUnicode16(scalar)
        default: return false
        }
    }

    /// Regex `\s`: the `White_Space` property.
    @inline(__always)
    static func isRegexSpace(_ scalar: Unicode.Scalar) -> Bool {
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

    /// Scalars whose canonical decomposition the reference's NFD tables lack (DIVES AKURU VOWEL
    /// SIGN O, Unicode 13.0): they stay whole in `bertDecomposition`.
    static let undecomposedByReference: Set<Unicode.Scalar> = ["\u{11938}"]

    /// NFD as `BertNormalizer`'s accent stripping computes it. The scalars the reference leaves
    /// whole are starters (combining class 0), so decomposing the runs between them is exact.
    static func bertDecomposition(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard scalars.contains(where: { undecomposedByReference.contains($0) }) else {
            return canonicalDecomposition(scalars)
        }
        var output: [Unicode.Scalar] = []
        var run: [Unicode.Scalar] = []
        for scalar in scalars {
            if undecomposedByReference.contains(scalar) {
                output += canonicalDecomposition(run)
                output.append(scalar)
                run.removeAll()
            } else {
                run.append(scalar)
            }
        }
        return output + canonicalDecomposition(run)
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

    /// Canonical decomposition (NFD) of a run of scalars; ASCII is returned unchanged.
    static func canonicalDecomposition(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if scalars.allSatisfy({ $0.value < 0xC0 }) { return scalars }
        var text = String()
        text.unicodeScalars.append(contentsOf: scalars)
        return Array(text.decomposedStringWithCanonicalMapping.unicodeScalars)
    }

    /// Canonical composition (NFC) of a run of scalars; ASCII is returned unchanged.
    static func canonicalComposition(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if scalars.allSatisfy({ $0.value < 0x300 }) { return scalars }
        var text = String()
        text.unicodeScalars.append(contentsOf: scalars)
        return Array(text.precomposedStringWithCanonicalMapping.unicodeScalars)
    }
}
