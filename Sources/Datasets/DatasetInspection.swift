import Foundation

/// Summary of a loaded dataset for `mmfusion datasets inspect`: counts per split and label,
/// image problems, duplicates and other recorded issues, and text length percentiles.
public struct DatasetInspection: Codable, Equatable, Sendable {
    /// Nearest-rank percentiles of text length in characters (0 for an empty dataset).
    public struct TextLengths: Codable, Equatable, Sendable {
        public var p50: Int
        public var p90: Int
        public var p99: Int
        public var max: Int
    }

    public var dataset: String
    public var seen: Int
    public var loaded: Int
    public var skipped: Int
    public var labelNames: [String]
    /// split (`train`, `val`, `test`, or `none`) -> label (or `(none)`) -> posts.
    public var counts: [String: [String: Int]]
    public var imagesFound: Int
    /// Posts none of whose images exists (loaded text-only plus dropped).
    public var imagesMissing: Int
    /// Zero-byte image files met.
    public var imagesZeroBytes: Int
    public var multipleImages: Int
    public var duplicateIDs: Int
    /// Skipped or flagged records by issue kind.
    public var issues: [String: Int]
    public var textLengths: TextLengths

    public init(_ dataset: LoadedDataset) {
        let report = dataset.report
        self.dataset = "\(report.format):\(report.path)"
        seen = report.seen
        loaded = report.loaded
        skipped = report.skipped.count
        labelNames = dataset.labelNames
        var counts: [String: [String: Int]] = [:]
        for post in dataset.posts {
            counts[post.split?.rawValue ?? "none", default: [:]][post.label ?? "(none)", default: 0] += 1
        }
        self.counts = counts
        imagesFound = dataset.posts.filter { $0.image != nil }.count
        imagesMissing = report.flaggedCount(.missingImage) + report.skippedCount(.missingImage)
        imagesZeroBytes = report.flaggedCount(.emptyImageFile)
        multipleImages = report.flaggedCount(.multipleImages)
        duplicateIDs = report.skippedCount(.duplicateID)
        var issues: [String: Int] = [:]
        for issue in report.skipped + report.flagged { issues[issue.kind.rawValue, default: 0] += 1 }
        self.issues = issues
        let lengths = dataset.posts.map(\.text.count).sorted()
        func percentile(_ p: Double) -> Int {
            guard !lengths.isEmpty else { return 0 }
            let rank = Int((p / 100 * Double(lengths.count)).rounded(.up))
            return lengths[Swift.max(0, Swift.min(lengths.count - 1, rank - 1))]
        }
        textLengths = TextLengths(p50: percentile(50), p90: percentile(90), p99: percentile(99), max: lengths.last ?? 0)
    }

    /// The aligned plain-text table `inspect` prints.
    public func table() -> String {
        var out = "dataset  \(dataset)\n"
        out += "records  seen \(seen), loaded \(loaded), skipped \(skipped)\n\n"
        var rows: [[String]] = [["split", "label", "posts"]]
        let splitOrder = SplitName.allCases.map(\.rawValue) + ["none"]
        for split in splitOrder {
            guard let labels = counts[split] else { continue }
            let known = labelNames.filter { labels[$0] != nil }
            let others = labels.keys.filter { !labelNames.contains($0) }.sorted()
            for label in known + others { rows.append([split, label, String(labels[label] ?? 0)]) }
            rows.append([split, "all", String(labels.values.reduce(0, +))])
        }
        rows.append(["total", "", String(loaded)])
        out += Self.align(rows, rightAligned: [2])
        out += "\n"
        out += Self.align([
            ["images", "found \(imagesFound)", "missing \(imagesMissing)", "zero-byte \(imagesZeroBytes)", "several named \(multipleImages)"],
            ["duplicates", "ids \(duplicateIDs)", "", "", ""],
            ["text length (chars)", "p50 \(textLengths.p50)", "p90 \(textLengths.p90)", "p99 \(textLengths.p99)", "max \(textLengths.max)"],
        ], rightAligned: [])
        if !issues.isEmpty {
            out += "\n"
            var issueRows: [[String]] = [["issue", "records"]]
            for kind in LoadIssueKind.allCases {
                if let count = issues[kind.rawValue] { issueRows.append([kind.rawValue, String(count)]) }
            }
            out += Self.align(issueRows, rightAligned: [1])
        }
        return out
    }

    /// Pads each column to its widest cell, two spaces between columns.
    static func align(_ rows: [[String]], rightAligned: Set<Int>) -> String {
        let columnCount = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columnCount)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = Swift.max(widths[index], cell.count) } }
        var out = ""
        for row in rows {
            var cells: [String] = []
            for (index, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                cells.append(rightAligned.contains(index) ? padding + cell : cell + padding)
            }
            var line = cells.joined(separator: "  ")
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
