import Foundation

/// The easy-vqa demo set as the `easy_vqa` package lays it out (and `make weights` copies to
/// `${MMFUSION_CACHE:-~/.cache/mmfusion}/easy-vqa`): `answers.txt` (one answer a line: the label
/// set), `{train,test}/questions.json` (a JSON list of `[question, answer, image_id]`) and
/// `{train,test}/images/<image_id>.png`. Each question is one post: id `<split>-<index>`,
/// text the question, label the answer.
enum EasyVQALoader {
    static func load(root: URL, session: LoadSession) throws {
        let answersFile = root.appendingPathComponent("answers.txt")
        let answers = try TextFileReading.lines(answersFile, expected: "run `make weights` to install the easy-vqa demo set, or point at a copy")
            .map { $0.text.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        session.labelNames = answers
        for (name, split) in [("train", SplitName.train), ("test", SplitName.test)] {
            let file = root.appendingPathComponent(name).appendingPathComponent("questions.json")
            let (text, _) = try TextFileReading.text(file, expected: "the easy-vqa layout needs \(name)/questions.json")
            guard let data = text.data(using: .utf8), let list = try? JSONSerialization.jsonObject(with: data) as? [Any] else {
                throw DatasetError.malformed(session.location(file, line: 1), "expected a JSON list of [question, answer, image_id]")
            }
            let images = root.appendingPathComponent(name).appendingPathComponent("images")
            for (index, entry) in list.enumerated() {
                let location = SourceLocation(file: "\(name)/questions.json", line: 0)
                let id = "\(name)-\(index)"
                guard let triple = entry as? [Any], triple.count == 3, let question = triple[0] as? String,
                      let answer = JSONRecords.string(triple[1]), let imageID = JSONRecords.string(triple[2])
                else {
                    try session.malformed(location, "entry \(index) is not [question, answer, image_id]", id: id)
                    continue
                }
                try session.offer(
                    id: id, text: question, images: [images.appendingPathComponent("\(imageID).png")], label: answer,
                    split: split, location: SourceLocation(file: "\(name)/questions.json#\(index)", line: 0))
            }
        }
    }
}
