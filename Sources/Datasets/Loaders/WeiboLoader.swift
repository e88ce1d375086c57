import Foundation

/// Weibo rumor set (Jin et al. 2017, as used by EANN/MRML/FaKnow):
/// `tweets/{train,test}_{rumor,nonrumor}.txt`, three lines a post:
/// 1. metadata, `|`-separated, starting with the numeric post id;
/// 2. image URLs separated by `|` (`null` entries ignored);
/// 3. the text.
/// Images are `rumor_images/<last URL path component>` or `nonrumor_images/...`.
/// Labels: rumor -> `fake`, nonrumor -> `real`. Splits: the file's train/test; no val.
enum WeiboLoader {
    static func load(root: URL, session: LoadSession) throws {
        let tweets = root.appendingPathComponent("tweets")
        let folders = ["rumor": root.appendingPathComponent("rumor_images"), "nonrumor": root.appendingPathComponent("nonrumor_images")]
        for (splitName, split) in [("train", SplitName.train), ("test", SplitName.test)] {
            for kind in ["rumor", "nonrumor"] {
                let file = tweets.appendingPathComponent("\(splitName)_\(kind).txt")
                let lines = try TextFileReading.lines(file, expected: "the Weibo layout needs tweets/{train,test}_{rumor,nonrumor}.txt")
                let label = kind == "rumor" ? "fake" : "real"
                let ownFolder = folders[kind] ?? root
                let otherFolder = folders[kind == "rumor" ? "nonrumor" : "rumor"] ?? root
                var index = 0
                // A trailing empty line after the last post is not a record.
                var count = lines.count
                while count > 0 && lines[count - 1].text.trimmingCharacters(in: .whitespaces).isEmpty && count % 3 != 0 { count -= 1 }
                while index < count {
                    let metadata = lines[index]
                    let location = session.location(file, line: metadata.number)
                    guard index + 2 < count else {
                        try session.malformed(location, "post starts here but the file ends before its image and text lines")
                        break
                    }
                    let id = metadata.text.split(separator: "|", omittingEmptySubsequences: false).first.map(String.init)?
                        .trimmingCharacters(in: .whitespaces) ?? ""
                    guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
                        try session.malformed(location, "expected a metadata line starting with a numeric post id and '|', found '\(metadata.text.prefix(40))'")
                        index += 3
                        continue
                    }
                    let imageLine = lines[index + 1]
                    let textLine = lines[index + 2]
                    let names = imageLine.text.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                        .filter { !$0.isEmpty && $0 != "null" }
                        .compactMap { $0.split(separator: "/").last.map(String.init) }
                    let images = names.map { name -> URL in
                        let own = ownFolder.appendingPathComponent(name)
                        if ImageFiles.size(of: own) == nil, ImageFiles.size(of: otherFolder.appendingPathComponent(name)) != nil {
                            return otherFolder.appendingPathComponent(name)
                        }
                        return own
                    }
                    try session.offer(
                        id: id, text: textLine.text, images: images, label: label, split: split,
                        location: location,
                        invalidUTF8: textLine.invalidUTF8 ? session.location(file, line: textLine.number)
                            : (metadata.invalidUTF8 ? location : nil))
                    index += 3
                }
            }
        }
    }
}
