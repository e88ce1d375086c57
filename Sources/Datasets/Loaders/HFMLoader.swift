import Foundation

/// HFM multimodal sarcasm set (Cai et al. 2019, github.com/headacheboy/data-of-multimodal-sarcasm-detection):
/// `text/train.txt`, `text/valid2.txt`, `text/test2.txt` (also `valid.txt`/`test.txt`), one Python
/// list literal a line. Train: `['<id>', '<text>', <label>]`. Valid/test: `['<id>', '<text>',
/// <hashtag label>, <annotator label>]`; the last element (the human annotator's) is the label,
/// as the repo's README defines. Images: `dataset_image/<id>.jpg`. 1 -> sarcastic, 0 -> non-sarcastic.
enum HFMLoader {
    static func load(root: URL, session: LoadSession) throws {
        let textFolder = root.appendingPathComponent("text")
        let images = root.appendingPathComponent("dataset_image")
        for (names, split) in [(["train.txt"], SplitName.train), (["valid2.txt", "valid.txt"], .val), (["test2.txt", "test.txt"], .test)] {
            guard let file = names.map({ textFolder.appendingPathComponent($0) })
                .first(where: { FileManager.default.fileExists(atPath: $0.path) })
            else {
                throw DatasetError.missingFile(
                    textFolder.appendingPathComponent(names[0]).path, "the HFM layout needs text/{train,valid2,test2}.txt and dataset_image/")
            }
            let expectedCount = split == .train ? 3 : 4
            for line in try TextFileReading.lines(file, expected: "") where !line.text.trimmingCharacters(in: .whitespaces).isEmpty {
                let location = session.location(file, line: line.number)
                guard let elements = PythonListLiteral.parse(line.text), elements.count == expectedCount,
                      case let .string(id) = elements[0], case let .string(text) = elements[1],
                      case let .integer(value) = elements[expectedCount - 1]
                else {
                    try session.malformed(
                        location, "expected a Python list ['<id>', '<text>'\(split == .train ? ", <label>" : ", <hashtag label>, <label>")]")
                    continue
                }
                let label = value == 1 ? "sarcastic" : (value == 0 ? "non-sarcastic" : String(value))
                try session.offer(
                    id: id, text: text, images: [images.appendingPathComponent("\(id).jpg")], label: label, split: split,
                    location: location, invalidUTF8: line.invalidUTF8 ? location : nil)
            }
        }
    }
}

/// The subset of Python literal syntax HFM writes: a list of quoted strings and integers.
enum PythonListLiteral {
    enum Element: Equatable { case string(String), integer(Int) }

    static func parse(_ text: String) -> [Element]? {
        let scalars = Array(text.trimmingCharacters(in: .whitespaces).unicodeScalars)
        guard scalars.first == "[", scalars.last == "]" else { return nil }
        var index = 1
        var elements: [Element] = []
        func skipSpaces() { while index < scalars.count - 1 && scalars[index] == " " { index += 1 } }
        while true {
            skipSpaces()
            if index >= scalars.count - 1 { break }
            let start = scalars[index]
            if start == "'" || start == "\"" {
                index += 1
                var value = String.UnicodeScalarView()
                var closed = false
                while index < scalars.count - 1 {
                    let scalar = scalars[index]
                    if scalar == "\\" && index + 1 < scalars.count - 1 {
                        let next = scalars[index + 1]
                        switch next {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        default: value.append(next)
                        }
                        index += 2
                        continue
                    }
                    if scalar == start { closed = true; index += 1; break }
                    value.append(scalar)
                    index += 1
                }
                guard closed else { return nil }
                elements.append(.string(String(value)))
            } else {
                var digits = ""
                while index < scalars.count - 1 && (scalars[index] == "-" || CharacterSet.decimalDigits.contains(scalars[index])) {
                    digits.unicodeScalars.append(scalars[index])
                    index += 1
                }
                guard let value = Int(digits) else { return nil }
                elements.append(.integer(value))
            }
            skipSpaces()
            if index >= scalars.count - 1 { break }
            guard scalars[index] == "," else { return nil }
            index += 1
        }
        return elements
    }
}
