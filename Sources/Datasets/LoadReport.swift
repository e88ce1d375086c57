import Foundation

/// What happened to a record that was not loaded as written.
public enum LoadIssueKind: String, Codable, CaseIterable, Sendable {
    /// No named image exists (the post keeps its text under `--missing-image text-only`).
    case missingImage
    /// The record names several images; the first existing one is used.
    case multipleImages
    /// An image file exists but has zero bytes (treated as missing).
    case emptyImageFile
    /// The text is empty, or only emoji, URLs, mentions and punctuation.
    case emptyText
    /// The bytes were not valid UTF-8; they were decoded with U+FFFD replacement.
    case invalidUTF8
    /// A second record with an id already loaded.
    case duplicateID
    /// A record that does not parse.
    case malformedRecord
    /// A label outside the format's label set.
    case unknownLabel
    /// Annotations that contradict each other (MVSA positive vs negative) or have no majority.
    case labelConflict
    /// The post's id is not listed in the split file given with `--split-file`.
    case notInSplitFile
}

/// One skipped or flagged record, with where it is and why.
public struct LoadIssue: Codable, Equatable, Sendable {
    public var kind: LoadIssueKind
    public var postID: String?
    public var location: SourceLocation
    public var message: String

    public init(kind: LoadIssueKind, postID: String?, location: SourceLocation, message: String) {
        self.kind = kind
        self.postID = postID
        self.location = location
        self.message = message
    }
}

/// The account of one load: every record seen is either loaded or skipped with a reason,
/// so `loaded + skipped.count == seen` always holds. Flagged records were loaded with a note.
public struct LoadReport: Codable, Equatable, Sendable {
    public var format: String
    public var path: String
    public var seen: Int = 0
    public var loaded: Int = 0
    public var skipped: [LoadIssue] = []
    public var flagged: [LoadIssue] = []
    public var options: LoadOptions

    public init(format: String, path: String, options: LoadOptions) {
        self.format = format
        self.path = path
        self.options = options
    }

    /// True when the counts add up (`loaded + skipped == seen`).
    public var isBalanced: Bool { loaded + skipped.count == seen }

    /// Number of skipped records of one kind.
    public func skippedCount(_ kind: LoadIssueKind) -> Int { skipped.filter { $0.kind == kind }.count }

    /// Number of flagged records of one kind.
    public func flaggedCount(_ kind: LoadIssueKind) -> Int { flagged.filter { $0.kind == kind }.count }
}
