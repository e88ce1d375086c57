import Foundation

/// The generic JSON-lines record of DESIGN.md, one object a line:
/// `{"id": "...", "text": "...", "image": "rel/path.jpg" | ["a.jpg", "b.jpg"], "label": "...", "split": "train|val|test"}`.
/// Image paths are relative to the file's folder. `label` and `split` are optional; when no
/// record has a split, a stratified 8:1:1 split with `--split-seed` is made.
enum JSONLLoader {
    static func load(file: URL, session: LoadSession) throws {
        let folder = file.deletingLastPathComponent()
        var anySplit = false
        let lines = try TextFileReading.lines(file, expected: "pass the path of a .jsonl file")
        for line in lines where !line.text.trimmingCharacters(in: .whitespaces).isEmpty {
            let location = SourceLocation(file: file.lastPathComponent, line: line.number)
            guard let object = JSONRecords.object(line.text) else {
                try session.malformed(location, "not a JSON object")
                continue
            }
            guard let id = JSONRecords.string(object["id"]), !id.isEmpty else {
                try session.malformed(location, "record has no \"id\"")
                continue
            }
            let images: [String]
            switch object["image"] {
            case let single as String: images = [single]
            case let list as [Any]: images = list.compactMap { $0 as? String }
            default: images = []
            }
            let split: SplitName?
            if let raw = JSONRecords.string(object["split"]), !raw.isEmpty {
                guard let parsed = GenericSplit.parse(raw) else {
                    try session.malformed(location, "split '\(raw)' is not train, val or test", id: id)
                    continue
                }
                split = parsed
                anySplit = true
            } else {
                split = nil
            }
            try session.offer(
                id: id, text: JSONRecords.string(object["text"]) ?? "", images: images.map { GenericSplit.resolve($0, in: folder) },
                label: JSONRecords.string(object["label"]), split: split, location: location,
                invalidUTF8: line.invalidUTF8 ? location : nil)
        }
        session.needsStratifiedSplit = !anySplit
    }
}

/// Split names and paths as the generic formats write them.
enum GenericSplit {
    static func parse(_ raw: String) -> SplitName? {
        switch raw.lowercased() {
        case "train", "training": return .train
        case "val", "valid", "validation", "dev": return .val
        case "test", "testing": return .test
        default: return nil
        }
    }

    static func resolve(_ path: String, in folder: URL) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)
    }
}
