import Foundation

/// `manifest.json` of a feature store: how the features were made, which post is in which
/// shard row, and every post that was skipped with its reason. Counts add up:
/// `seen == stored + skipped.count`.
public struct FeatureManifest: Codable, Equatable, Sendable {
    /// One stored post.
    public struct Record: Codable, Equatable, Sendable {
        public var id: String
        public var split: SplitName?
        public var label: String?
        /// SHA-256 of the post's text (after cleaning) in UTF-8.
        public var textHash: String
        /// The image file used (the first decodable one), nil when the post has none.
        public var image: String?
        /// SHA-256 of that image file's bytes.
        public var imageHash: String?
        public var textPresent: Bool
        public var imagePresent: Bool
        /// Shard index and row inside it.
        public var shard: Int
        public var row: Int
    }

    /// One post that was not stored, and why.
    public struct Skip: Codable, Equatable, Sendable {
        public var id: String?
        public var location: String
        public var reason: String
        /// The shard whose extraction skipped it; nil for the loader's skips and `--limit`.
        public var shard: Int?

        public init(id: String?, location: String, reason: String, shard: Int? = nil) {
            self.id = id
            self.location = location
            self.reason = reason
            self.shard = shard
        }
    }

    /// A completed shard file.
    public struct Shard: Codable, Equatable, Sendable {
        public var index: Int
        public var file: String
        public var rows: Int
    }

    /// The layout version of this manifest.
    public var formatVersion = 1
    /// `<format>:<path>` of the dataset.
    public var dataset: String
    /// The loader options (cleaning, missing-image policy, label set, split seed or file).
    public var loadOptions: LoadOptions
    /// The label set in class-index order.
    public var labelNames: [String]
    /// The encoders, text first.
    public var encoders: [EncoderRecord]
    /// What is stored.
    public var spec: FeatureSpec
    /// Per-post shape of each stored tensor, by feature name.
    public var featureShapes: [String: [Int]]
    /// Storage type of the feature tensors; `text.token_ids` is always `F32` (exact ids).
    public var dtype = "F16"
    /// Posts per shard (the last may hold fewer; drops make shards smaller).
    public var shardSize: Int
    /// SHA-256 of the ordered post ids being extracted, so a resume covers the same posts.
    public var postListHash: String
    /// Posts planned for extraction (after `--limit`).
    public var plannedPosts: Int
    /// Completed shards, by index.
    public var shards: [Shard]
    /// Stored posts in shard order.
    public var records: [Record]
    /// Posts not stored: the loader's skips and the extractor's.
    public var skipped: [Skip]
    /// Records the loader read (stored + skipped, once complete).
    public var seen: Int

    /// Stored posts.
    public var stored: Int { records.count }
    /// Skips by reason prefix (the reason up to its first ':').
    public var skippedByReason: [String: Int] {
        Dictionary(grouping: skipped, by: { String($0.reason.prefix { $0 != ":" }) }).mapValues(\.count)
    }
    /// Whether every planned shard is written.
    public var isComplete: Bool { shards.count == (plannedPosts + shardSize - 1) / max(shardSize, 1) }

    static let fileName = "manifest.json"

    /// Reads `manifest.json` from `directory`.
    public static func read(from directory: URL) throws -> FeatureManifest {
        let url = directory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FeatureStoreError.missingFile(url.path, "not a feature store: run `mmfusion extract --out \(directory.path)` first")
        }
        do {
            return try JSONDecoder().decode(FeatureManifest.self, from: Data(contentsOf: url))
        } catch {
            throw FeatureStoreError.corrupt(url.path, "unreadable manifest (\(error))")
        }
    }

    /// Writes `manifest.json` under a temporary name and renames it into place.
    func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        let url = directory.appendingPathComponent(Self.fileName)
        let temporary = directory.appendingPathComponent(".\(Self.fileName).partial")
        try data.write(to: temporary)
        try moveIntoPlace(temporary, url)
    }
}

/// Renames `temporary` to `destination` atomically (POSIX `rename`), replacing it.
func moveIntoPlace(_ temporary: URL, _ destination: URL) throws {
    guard rename(temporary.path, destination.path) == 0 else {
        throw FeatureStoreError.corrupt(destination.path, "cannot rename \(temporary.lastPathComponent) into place (errno \(errno))")
    }
}
