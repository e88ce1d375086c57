import Foundation

/// Fakeddit (Nakamura et al. 2020), multimodal part:
/// `multimodal_train.tsv`, `multimodal_validate.tsv`, `multimodal_test_public.tsv`, tab-separated
/// with a header holding `id`, `clean_title`, `2_way_label`, `3_way_label`, `6_way_label`.
/// Images are `public_image_set/<id>.jpg` (also looked up in `images/` and the root).
/// The label column is chosen by `--label-set`; names in `FakedditLabelSet.labelNames`.
enum FakedditLoader {
    static func load(root: URL, session: LoadSession) throws {
        let labelSet = session.options.labelSet
        let names = labelSet.labelNames
        let imageFolders = ["public_image_set", "images", ""].map { $0.isEmpty ? root : root.appendingPathComponent($0) }
        for (fileName, split) in [("multimodal_train.tsv", SplitName.train), ("multimodal_validate.tsv", .val), ("multimodal_test_public.tsv", .test)] {
            let file = root.appendingPathComponent(fileName)
            let lines = try TextFileReading.lines(file, expected: "the Fakeddit layout needs multimodal_{train,validate,test_public}.tsv")
            guard let header = lines.first else { continue }
            let columns = TextFileReading.columns(DelimitedText.tabFields(header.text), [
                "id": ["id"], "text": ["clean_title"], "label": [labelSet.column],
            ])
            guard let idColumn = columns["id"], let textColumn = columns["text"], let labelColumn = columns["label"] else {
                throw DatasetError.malformed(
                    session.location(file, line: 1), "header must name id, clean_title and \(labelSet.column)")
            }
            let needed = max(idColumn, textColumn, labelColumn) + 1
            for line in lines.dropFirst() where !line.text.isEmpty {
                let location = session.location(file, line: line.number)
                let fields = DelimitedText.tabFields(line.text)
                guard fields.count >= needed else {
                    try session.malformed(location, "expected at least \(needed) tab-separated fields, found \(fields.count)")
                    continue
                }
                let id = fields[idColumn].trimmingCharacters(in: .whitespaces)
                let rawLabel = fields[labelColumn].trimmingCharacters(in: .whitespaces)
                guard !id.isEmpty, let value = Double(rawLabel), value == value.rounded() else {
                    try session.malformed(location, "expected an id and an integer \(labelSet.column), found '\(rawLabel)'", id: id.isEmpty ? nil : id)
                    continue
                }
                let index = Int(value)
                let label = names.indices.contains(index) ? names[index] : rawLabel
                let image = imageFolders.map { $0.appendingPathComponent("\(id).jpg") }
                    .first { ImageFiles.size(of: $0) != nil } ?? imageFolders[0].appendingPathComponent("\(id).jpg")
                try session.offer(
                    id: id, text: fields[textColumn], images: [image], label: label, split: split, location: location,
                    invalidUTF8: line.invalidUTF8 ? location : nil)
            }
        }
    }
}
