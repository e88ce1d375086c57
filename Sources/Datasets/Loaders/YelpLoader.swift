import Foundation

/// Yelp restaurant reviews with photos as VistaNet (Truong & Lauw 2019) distributes them:
/// `train.json`, `valid.json` and the five test cities (`test/<City>_test.json`, or `test.json`);
/// also accepted: folders `train/`, `valid/` holding `*.json`. Each file is JSON lines, one review
/// an object: `_id`, `Text`, `Photos` (list of `{"_id": ...}`), `Rating` 1-5.
/// Photos are `photos/<first two characters of id>/<id>.jpg` (or `photos/<id>.jpg`).
enum YelpLoader {
    static func files(_ root: URL, _ name: String) -> [URL] {
        let manager = FileManager.default
        var result: [URL] = []
        let single = root.appendingPathComponent("\(name).json")
        if manager.fileExists(atPath: single.path) { result.append(single) }
        let folder = root.appendingPathComponent(name)
        if let names = try? manager.contentsOfDirectory(atPath: folder.path) {
            result += names.filter { $0.hasSuffix(".json") }.sorted().map { folder.appendingPathComponent($0) }
        }
        return result
    }

    static func photo(_ root: URL, _ id: String) -> URL {
        let photos = root.appendingPathComponent("photos")
        let nested = photos.appendingPathComponent(String(id.prefix(2))).appendingPathComponent("\(id).jpg")
        let flat = photos.appendingPathComponent("\(id).jpg")
        return ImageFiles.size(of: nested) == nil && ImageFiles.size(of: flat) != nil ? flat : nested
    }

    static func load(root: URL, session: LoadSession) throws {
        let parts: [(SplitName, [URL])] = [(.train, files(root, "train")), (.val, files(root, "valid")), (.test, files(root, "test"))]
        guard parts.contains(where: { !$0.1.isEmpty }) else {
            throw DatasetError.missingFile(root.path, "the Yelp (VistaNet) layout needs train.json, valid.json and test/<City>_test.json")
        }
        for (split, urls) in parts {
            for file in urls {
                for line in try TextFileReading.lines(file, expected: "") where !line.text.trimmingCharacters(in: .whitespaces).isEmpty {
                    let location = session.location(file, line: line.number)
                    guard let object = JSONRecords.object(line.text), let id = JSONRecords.string(object["_id"]),
                          let text = object["Text"] as? String, let rating = JSONRecords.string(object["Rating"])
                    else {
                        try session.malformed(location, "expected a JSON object with _id, Text, Photos and Rating")
                        continue
                    }
                    let photoIDs = (object["Photos"] as? [Any] ?? []).compactMap { entry -> String? in
                        if let photo = entry as? [String: Any] { return JSONRecords.string(photo["_id"]) }
                        return JSONRecords.string(entry)
                    }
                    try session.offer(
                        id: id, text: text, images: photoIDs.map { photo(root, $0) }, label: rating, split: split,
                        location: location, invalidUTF8: line.invalidUTF8 ? location : nil)
                }
            }
        }
    }
}
