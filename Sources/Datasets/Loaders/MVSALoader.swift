import Foundation

/// MVSA-Single and MVSA-Multiple (Niu et al. 2016): `data/<id>.txt`, `data/<id>.jpg` and
/// `labelResultAll.txt`, tab-separated with a header; each annotation is a `text,image` pair of
/// positive / neutral / negative. Single has one pair a line; Multiple has three annotators.
///
/// Label rule (Xu & Mao 2017, as in CLMLF/MVAN preprocessing): for Multiple, each modality
/// first takes the label at least two annotators agree on (none -> skipped `labelConflict`).
/// Then equal labels stand; neutral defers to the other modality; positive against negative
/// is skipped `labelConflict`. No official split: stratified 8:1:1 with `--split-seed`.
enum MVSALoader {
    enum Annotators { case single, multiple }

    static let sentiments = ["positive", "neutral", "negative"]

    /// Combines a text label and an image label; nil for positive vs negative.
    static func combine(text: String, image: String) -> String? {
        if text == image { return text }
        if text == "neutral" { return image }
        if image == "neutral" { return text }
        return nil
    }

    /// The label at least two of three annotators gave, or nil.
    static func majority(_ labels: [String]) -> String? {
        var counts: [String: Int] = [:]
        for label in labels { counts[label, default: 0] += 1 }
        return counts.first { $0.value * 2 > labels.count }?.key
    }

    static func load(root: URL, annotators: Annotators, session: LoadSession) throws {
        session.needsStratifiedSplit = true
        let labelFile = root.appendingPathComponent("labelResultAll.txt")
        let lines = try TextFileReading.lines(labelFile, expected: "the MVSA layout needs labelResultAll.txt and data/<id>.{txt,jpg}")
        let pairCount = annotators == .single ? 1 : 3
        let data = root.appendingPathComponent("data")
        for line in lines.dropFirst() where !line.text.trimmingCharacters(in: .whitespaces).isEmpty {
            let location = session.location(labelFile, line: line.number)
            let fields = line.text.split(whereSeparator: { $0 == "\t" || $0 == " " }).map(String.init)
            let pairs = fields.dropFirst().map { $0.lowercased().split(separator: ",").map(String.init) }
            guard fields.count == pairCount + 1, pairs.allSatisfy({ $0.count == 2 && $0.allSatisfy(sentiments.contains) }) else {
                try session.malformed(
                    location, "expected '<id>' and \(pairCount) 'text,image' pair(s) of positive/neutral/negative, found '\(line.text)'",
                    id: fields.first)
                continue
            }
            let id = fields[0]
            let textLabels = pairs.map { $0[0] }
            let imageLabels = pairs.map { $0[1] }
            guard let textLabel = majority(textLabels), let imageLabel = majority(imageLabels) else {
                session.skip(.labelConflict, id, location, "no two annotators agree (text \(textLabels), image \(imageLabels))")
                continue
            }
            guard let label = combine(text: textLabel, image: imageLabel) else {
                session.skip(.labelConflict, id, location, "text says \(textLabel), image says \(imageLabel)")
                continue
            }
            let textFile = data.appendingPathComponent("\(id).txt")
            guard FileManager.default.fileExists(atPath: textFile.path) else {
                try session.malformed(location, "text file \(session.relative(textFile)) does not exist", id: id)
                continue
            }
            let (text, invalid) = try TextFileReading.text(textFile, expected: "")
            try session.offer(
                id: id, text: text, images: [data.appendingPathComponent("\(id).jpg")], label: label, split: nil,
                location: location, invalidUTF8: invalid ? session.location(textFile, line: 0) : nil)
        }
    }
}
