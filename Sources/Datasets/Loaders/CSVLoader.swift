import Foundation

/// The generic record as CSV (RFC 4180 quoting): a header naming `id`, `text`, and optionally
/// `image` (several paths separated by `;`), `label`, `split`. Paths are relative to the file's
/// folder. When no record has a split, a stratified 8:1:1 split with `--split-seed` is made.
enum CSVLoader {
    static func load(file: URL, session: LoadSession) throws {
        let folder = file.deletingLastPathComponent()
        let name = file.lastPathComponent
        let (text, invalid) = try TextFileReading.text(file, expected: "pass the path of a .csv file")
        let (records, unterminated) = DelimitedText.csvRecords(text)
        if invalid {
            session.flag(.invalidUTF8, nil, SourceLocation(file: name, line: 0), "\(name) holds invalid UTF-8; decoded with U+FFFD replacement")
        }
        guard let header = records.first else { return }
        let columns = TextFileReading.columns(header.fields, [
            "id": ["id"], "text": ["text"], "image": ["image", "images"], "label": ["label"], "split": ["split"],
        ])
        guard let idColumn = columns["id"], let textColumn = columns["text"] else {
            throw DatasetError.malformed(SourceLocation(file: name, line: header.line), "the header must name at least id and text")
        }
        var anySplit = false
        for record in records.dropFirst() {
            let location = SourceLocation(file: name, line: record.line)
            guard record.fields.count == header.fields.count else {
                try session.malformed(location, "expected \(header.fields.count) fields as the header has, found \(record.fields.count)")
                continue
            }
            let id = record.fields[idColumn].trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else {
                try session.malformed(location, "empty id")
                continue
            }
            let images = columns["image"].map { record.fields[$0] }.map {
                $0.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            } ?? []
            let label = columns["label"].map { record.fields[$0] }.flatMap { $0.isEmpty ? nil : $0 }
            var split: SplitName?
            if let raw = columns["split"].map({ record.fields[$0] }), !raw.isEmpty {
                guard let parsed = GenericSplit.parse(raw) else {
                    try session.malformed(location, "split '\(raw)' is not train, val or test", id: id)
                    continue
                }
                split = parsed
                anySplit = true
            }
            try session.offer(
                id: id, text: record.fields[textColumn], images: images.map { GenericSplit.resolve($0, in: folder) }, label: label,
                split: split, location: location, invalidUTF8: record.fields[textColumn].contains("\u{FFFD}") && invalid ? location : nil)
        }
        if let unterminated {
            try session.malformed(SourceLocation(file: name, line: unterminated), "a quoted field starting here is never closed")
        }
        session.needsStratifiedSplit = !anySplit
    }
}
