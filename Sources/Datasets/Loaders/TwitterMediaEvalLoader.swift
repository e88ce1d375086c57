import Foundation

/// MediaEval 2015/2016 "Verifying Multimedia Use" corpus:
/// `devset/` and `testset/`, each with a tab-separated posts file whose header names
/// `post_id` (2015: `tweetId`), `post_text` (`tweetText`), `image_id(s)` (`imageId(s)`, `image_id`),
/// and `label` (`fake`, `real`, `humor`; humor counts as fake). Image ids (comma-separated)
/// are resolved against every image file below the split folder, any extension.
/// Splits: devset -> train, testset -> test. One posts file per folder is read, the first
/// of `posts_groundtruth.txt`, `posts.txt`, `tweets.txt` (then any other `.txt`) that has the
/// four columns: the 2016 devset also ships the 2015 `tweets.txt`, and its testset an
/// unlabelled `posts.txt` beside `posts_groundtruth.txt`.
enum TwitterMediaEvalLoader {
    static func load(root: URL, session: LoadSession) throws {
        var foundAny = false
        for (folderName, split) in [("devset", SplitName.train), ("testset", SplitName.test)] {
            let folder = root.appendingPathComponent(folderName)
            guard FileManager.default.fileExists(atPath: folder.path) else { continue }
            let images = ImageFiles.indexByStem(under: folder)
            // One posts file per folder: the 2016 devset also carries the 2015 tweets.txt (the
            // same posts under 2015 column names) and the testset an unlabelled posts.txt.
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                .filter { $0.hasSuffix(".txt") }
            let preferred = ["posts_groundtruth.txt", "posts.txt", "tweets.txt"]
            let candidates = preferred.filter(names.contains) + names.filter { !preferred.contains($0) }.sorted()
            for name in candidates {
                let file = folder.appendingPathComponent(name)
                let lines = try TextFileReading.lines(file, expected: "")
                guard let header = lines.first else { continue }
                let columns = TextFileReading.columns(DelimitedText.tabFields(header.text), [
                    "id": ["post_id", "tweetId"], "text": ["post_text", "tweetText"],
                    "images": ["image_id(s)", "imageId(s)", "image_id", "imageId"], "label": ["label"],
                ])
                guard let idColumn = columns["id"], let textColumn = columns["text"], let imageColumn = columns["images"],
                      let labelColumn = columns["label"] else { continue }
                foundAny = true
                let needed = max(idColumn, textColumn, imageColumn, labelColumn) + 1
                for line in lines.dropFirst() where !line.text.isEmpty {
                    let location = session.location(file, line: line.number)
                    let fields = DelimitedText.tabFields(line.text)
                    guard fields.count >= needed else {
                        try session.malformed(location, "expected at least \(needed) tab-separated fields, found \(fields.count)")
                        continue
                    }
                    let id = fields[idColumn].trimmingCharacters(in: .whitespaces)
                    guard !id.isEmpty else {
                        try session.malformed(location, "empty post id")
                        continue
                    }
                    let rawLabel = fields[labelColumn].trimmingCharacters(in: .whitespaces).lowercased()
                    let label = rawLabel == "humor" ? "fake" : rawLabel
                    let imageURLs = fields[imageColumn].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                        .filter { !$0.isEmpty }
                        .map { images[$0] ?? folder.appendingPathComponent($0) }
                    try session.offer(
                        id: id, text: fields[textColumn], images: imageURLs, label: label, split: split, location: location,
                        invalidUTF8: line.invalidUTF8 ? location : nil)
                }
                break
            }
        }
        guard foundAny else {
            throw DatasetError.missingFile(
                root.path, "the MediaEval layout needs devset/ and/or testset/ holding a posts .txt file with a post_id/tweetId header")
        }
    }
}
