/// GPT-2's reversible byte-to-character map (`bytes_to_unicode`): printable Latin-1 bytes map to
/// themselves, the other 68 bytes to U+0100 onwards, so every byte sequence is a visible string.
enum ByteLevelAlphabet {
    static let characters: [Unicode.Scalar] = {
        var visible: [UInt32] = Array(33...126) + Array(161...172) + Array(174...255)
        var mapped = visible
        var next: UInt32 = 256
        for byte in UInt32(0)...255 where !visible.contains(byte) {
            visible.append(byte)
            mapped.append(next)
            next += 1
        }
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        for (byte, character) in zip(visible, mapped) {
            table[Int(byte)] = Unicode.Scalar(character) ?? " "
        }
        return table
    }()

    /// The byte-level string of `scalars`' UTF-8 bytes.
    static func encode(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var result = String()
        result.unicodeScalars.reserveCapacity(scalars.count * 2)
        for scalar in scalars {
            let value = scalar.value
            if value < 0x80 {
                result.unicodeScalars.append(characters[Int(value)])
            } else if value < 0x800 {
                result.unicodeScalars.append(characters[Int(0xC0 | (value >> 6))])
                result.unicodeScalars.append(characters[Int(0x80 | (value & 0x3F))])
            } else if value < 0x10000 {
                result.unicodeScalars.append(characters[Int(0xE0 | (value >> 12))])
                result.unicodeScalars.append(characters[Int(0x80 | ((value >> 6) & 0x3F))])
                result.unicodeScalars.append(characters[Int(0x80 | (value & 0x3F))])
            } else {
                result.unicodeScalars.append(characters[Int(0xF0 | (value >> 18))])
                result.unicodeScalars.append(characters[Int(0x80 | ((value >> 12) & 0x3F))])
                result.unicodeScalars.append(characters[Int(0x80 | ((value >> 6) & 0x3F))])
                result.unicodeScalars.append(characters[Int(0x80 | (value & 0x3F))])
            }
        }
        return result
    }
}
