import Foundation

/// One line of a text file, decoded as UTF-8 (invalid bytes replaced by U+FFFD).
struct DecodedLine {
    var number: Int
    var text: String
    var invalidUTF8: Bool
}

enum TextFileReading {
    /// The bytes of `url`, or an error that names the file and what the layout expects.
    static func data(_ url: URL, expected: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DatasetError.missingFile(url.path, expected)
        }
        do { return try Data(contentsOf: url) } catch {
            throw DatasetError.missingFile(url.path, "could not be read (\(error.localizedDescription))")
        }
    }

    /// Decodes bytes as UTF-8; the flag says whether replacement happened.
    static func decode<Bytes: Collection>(_ bytes: Bytes) -> (String, Bool) where Bytes.Element == UInt8 {
        if let valid = String(validating: bytes, as: UTF8.self) { return (valid, false) }
        return (String(decoding: bytes, as: UTF8.self), true)
    }

    /// Lines split at `\n` (a trailing `\r` dropped), decoded one by one so a bad byte is
    /// reported on its own line. A byte-order mark at the start is dropped.
    static func lines(_ url: URL, expected: String) throws -> [DecodedLine] {
        var bytes = [UInt8](try data(url, expected: expected))
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var result: [DecodedLine] = []
        var start = 0
        var number = 1
        while start <= bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            if end == bytes.count && start == end { break }
            var lineEnd = end
            if lineEnd > start && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            let (text, invalid) = decode(bytes[start..<lineEnd])
            result.append(DecodedLine(number: number, text: text, invalidUTF8: invalid))
            number += 1
            start = end + 1
        }
        return result
    }

    /// Whole file decoded as UTF-8 with replacement.
    static func text(_ url: URL, expected: String) throws -> (String, Bool) {
        var bytes = [UInt8](try data(url, expected: expected))
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        return decode(bytes)
    }

    /// Splits a header line and returns the column index for each wanted name (first match of
    /// the alternatives, case-insensitive).
    static func columns(_ header: [String], _ wanted: [String: [String]]) -> [String: Int] {
        let normalized = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var result: [String: Int] = [:]
        for (key, names) in wanted {
            for name in names {
                if let index = normalized.firstIndex(of: name.lowercased()) {
                    result[key] = index
                    break
                }
            }
        }
        return result
    }
}
