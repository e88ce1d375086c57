import Foundation

/// Collects the records of one load: checks ids, labels, text and images, and keeps the report.
final class LoadSession {
    let specifier: DatasetSpecifier
    let options: LoadOptions
    private(set) var posts: [Post] = []
    private(set) var report: LoadReport
    private var firstLocationByID: [String: SourceLocation] = [:]
    /// Set by loaders whose datasets have no official split (MVSA, TumEmo, generic files without `split`).
    var needsStratifiedSplit = false
    /// Fixed label set, or nil to accept any label.
    var labelNames: [String]?

    init(specifier: DatasetSpecifier, options: LoadOptions) {
        self.specifier = specifier
        self.options = options
        report = LoadReport(format: specifier.format.rawValue, path: specifier.path.path, options: options)
        labelNames = specifier.format.labelNames(labelSet: options.labelSet)
    }

    /// A path relative to the dataset root, for messages and `SourceLocation`s.
    func relative(_ url: URL) -> String {
        let root = specifier.path.standardizedFileURL.path
        let path = url.standardizedFileURL.path
        if path.hasPrefix(root + "/") { return String(path.dropFirst(root.count + 1)) }
        return path
    }

    func location(_ url: URL, line: Int) -> SourceLocation { SourceLocation(file: relative(url), line: line) }

    func flag(_ kind: LoadIssueKind, _ id: String?, _ location: SourceLocation, _ message: String) {
        report.flagged.append(LoadIssue(kind: kind, postID: id, location: location, message: message))
    }

    /// Counts a record as seen and skipped.
    func skip(_ kind: LoadIssueKind, _ id: String?, _ location: SourceLocation, _ message: String) {
        report.seen += 1
        report.skipped.append(LoadIssue(kind: kind, postID: id, location: location, message: message))
    }

    /// A record that does not parse: throws under `--on-error fail`, else skips it.
    func malformed(_ location: SourceLocation, _ message: String, id: String? = nil) throws {
        if options.onError == .fail { throw DatasetError.malformed(location, message) }
        skip(.malformedRecord, id, location, message)
    }

    /// Offers one record. Handles, in order: duplicate id, label set, text decoding flags,
    /// cleaning and emptiness, image resolution. Returns whether the post was loaded.
    @discardableResult
    func offer(
        id: String, text rawText: String, images: [URL], label: String?, split: SplitName?, location: SourceLocation,
        invalidUTF8 badLocation: SourceLocation? = nil
    ) throws -> Bool {
        if let first = firstLocationByID[id] {
            skip(.duplicateID, id, location, "id \(id) already loaded from \(first); this second occurrence at \(location) is skipped")
            return false
        }
        if let label, let names = labelNames, !names.contains(label) {
            if options.onError == .fail { throw DatasetError.unknownLabel(location, label, names) }
            skip(.unknownLabel, id, location, "label '\(label)' is not one of \(names.joined(separator: ", "))")
            return false
        }
        var existing: [URL] = []
        var emptyFiles: [URL] = []
        for image in images {
            if let size = ImageFiles.size(of: image) {
                if size == 0 { emptyFiles.append(image) } else { existing.append(image) }
            }
        }
        if existing.isEmpty && options.missingImage == .drop {
            let named = images.isEmpty ? "the record names no image" : "no image exists among \(images.map { relative($0) }.joined(separator: ", "))"
            skip(.missingImage, id, location, named + " (--missing-image drop)")
            return false
        }
        report.seen += 1
        report.loaded += 1
        firstLocationByID[id] = location
        if let badLocation { flag(.invalidUTF8, id, badLocation, "invalid UTF-8 at \(badLocation) decoded with U+FFFD replacement") }
        for file in emptyFiles { flag(.emptyImageFile, id, location, "\(relative(file)) has zero bytes; treated as missing") }
        if existing.isEmpty {
            let named = images.isEmpty ? "the record names no image" : "no image exists among \(images.map { relative($0) }.joined(separator: ", "))"
            flag(.missingImage, id, location, named + "; kept text-only (--missing-image text-only)")
        } else if images.count > 1 {
            flag(.multipleImages, id, location, "\(images.count) images named; using \(relative(existing[0]))")
        }
        let text = options.cleaning.apply(rawText)
        if TextCleaning.isEffectivelyEmpty(text) {
            flag(.emptyText, id, location, text.isEmpty ? "empty text; kept" : "text has no words (only emoji, URLs, mentions or symbols); kept")
        }
        posts.append(Post(
            id: id, text: text, imagePaths: images.map(\.path), image: existing.first?.path, label: label, split: split,
            source: location))
        return true
    }

    /// Applies the split file or the stratified split and returns the result.
    func finish() throws -> LoadedDataset {
        if let splitFile = options.splitFile {
            let assignment = try SplitAssignment.read(from: URL(fileURLWithPath: splitFile))
            let membership = assignment.membership
            var kept: [Post] = []
            for var post in posts {
                if let split = membership[post.id] {
                    post.split = split
                    kept.append(post)
                } else {
                    report.loaded -= 1
                    report.skipped.append(LoadIssue(
                        kind: .notInSplitFile, postID: post.id, location: post.source,
                        message: "id \(post.id) is not listed in \(splitFile)"))
                }
            }
            posts = kept
        } else if needsStratifiedSplit {
            let assignment = SplitAssignment.stratified(posts, seed: options.splitSeed)
            let membership = assignment.membership
            for index in posts.indices { posts[index].split = membership[posts[index].id] }
        }
        let names = labelNames ?? Array(Set(posts.compactMap(\.label))).sorted()
        return LoadedDataset(posts: posts, labelNames: names, report: report)
    }
}

/// File-system questions about images.
enum ImageFiles {
    /// Size in bytes, or nil when no regular file exists there.
    static func size(of url: URL) -> Int? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return nil
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        return (attributes?[.size] as? NSNumber)?.intValue ?? 0
    }

    static let extensions: Set<String> = ["jpg", "jpeg", "png", "gif", "webp", "bmp"]

    /// Every image file below `directory`, keyed by file name without extension (first found wins,
    /// in sorted path order).
    static func indexByStem(under directory: URL) -> [String: URL] {
        guard let enumerator = FileManager.default.enumerator(
            at: directory, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { return [:] }
        var found: [URL] = []
        for case let url as URL in enumerator where extensions.contains(url.pathExtension.lowercased()) {
            found.append(url)
        }
        var index: [String: URL] = [:]
        for url in found.sorted(by: { $0.path < $1.path }) {
            let stem = url.deletingPathExtension().lastPathComponent
            if index[stem] == nil { index[stem] = url }
        }
        return index
    }
}
