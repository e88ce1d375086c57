import Foundation

/// The split a post belongs to.
public enum SplitName: String, Codable, CaseIterable, Sendable {
    case train, val, test
}

/// Where a record came from: a file and a 1-based line (0 when the format has no lines).
public struct SourceLocation: Codable, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { line > 0 ? "\(file):\(line)" : file }
}

/// One social-media post as every loader returns it.
///
/// `imagePaths` lists every image the record names, resolved to absolute paths (existing or
/// not); `image` is the first of them that exists on disk, or nil when none does.
public struct Post: Codable, Equatable, Sendable {
    public var id: String
    public var text: String
    public var imagePaths: [String]
    public var image: String?
    /// Nil when the record carries no label (prediction input).
    public var label: String?
    public var split: SplitName?
    public var source: SourceLocation

    public init(
        id: String, text: String, imagePaths: [String], image: String?, label: String?, split: SplitName?,
        source: SourceLocation
    ) {
        self.id = id
        self.text = text
        self.imagePaths = imagePaths
        self.image = image
        self.label = label
        self.split = split
        self.source = source
    }
}
