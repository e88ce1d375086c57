import Foundation

/// TumEmo (Yang et al. 2021, Tumblr, 7 emotions): `all_data_id_and_label.txt` (a header line,
/// then `<id> <Emotion>` a line, whitespace-separated), `data/<id>.txt` and `data/<id>.jpg`.
/// No official split: stratified 8:1:1 with `--split-seed`.
enum TumEmoLoader {
    static let emotions = ["Angry", "Bored", "Calm", "Fear", "Happy", "Love", "Sad"]

    static func load(root: URL, session: LoadSession) throws {
        session.needsStratifiedSplit = true
        let labelFile = root.appendingPathComponent("all_data_id_and_label.txt")
        let lines = try TextFileReading.lines(labelFile, expected: "the TumEmo layout needs all_data_id_and_label.txt and data/<id>.{txt,jpg}")
        let data = root.appendingPathComponent("data")
        for line in lines.dropFirst() where !line.text.trimmingCharacters(in: .whitespaces).isEmpty {
            let location = session.location(labelFile, line: line.number)
            let fields = line.text.split(whereSeparator: \.isWhitespace).map(String.init)
            guard fields.count == 2 else {
                try session.malformed(location, "expected '<id> <Emotion>', found '\(line.text)'", id: fields.first)
                continue
            }
            let id = fields[0]
            let textFile = data.appendingPathComponent("\(id).txt")
            guard FileManager.default.fileExists(atPath: textFile.path) else {
                try session.malformed(location, "text file \(session.relative(textFile)) does not exist", id: id)
                continue
            }
            let (text, invalid) = try TextFileReading.text(textFile, expected: "")
            try session.offer(
                id: id, text: text, images: [data.appendingPathComponent("\(id).jpg")], label: fields[1], split: nil,
                location: location, invalidUTF8: invalid ? session.location(textFile, line: 0) : nil)
        }
    }
}
