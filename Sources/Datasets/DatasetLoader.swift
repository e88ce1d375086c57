import Foundation

/// What to do with a post none of whose images exists.
public enum MissingImagePolicy: String, Codable, CaseIterable, Sendable {
    /// Skip the post (recorded as skipped `missingImage`).
    case drop
    /// Keep the post with its text and no image (recorded as flagged `missingImage`).
    case textOnly = "text-only"
}

/// What to do with a malformed record or a label outside the label set.
public enum RecordErrorPolicy: String, Codable, CaseIterable, Sendable {
    /// Stop with an error naming the file and line.
    case fail
    /// Skip the record and record why.
    case skip
}

/// Choices that change what a load returns; all of them are recorded in the `LoadReport`.
public struct LoadOptions: Codable, Equatable, Sendable {
    public var missingImage: MissingImagePolicy
    public var onError: RecordErrorPolicy
    public var cleaning: TextCleaning
    /// Fakeddit's label column.
    public var labelSet: FakedditLabelSet
    /// Seed of the stratified split for datasets without an official one.
    public var splitSeed: UInt64
    /// When set, the exact split is read from this JSON file (`{"train": [...], "val": [...], "test": [...]}`).
    public var splitFile: String?

    public init(
        missingImage: MissingImagePolicy = .textOnly, onError: RecordErrorPolicy = .fail, cleaning: TextCleaning = .none,
        labelSet: FakedditLabelSet = .twoWay, splitSeed: UInt64 = 42, splitFile: String? = nil
    ) {
        self.missingImage = missingImage
        self.onError = onError
        self.cleaning = cleaning
        self.labelSet = labelSet
        self.splitSeed = splitSeed
        self.splitFile = splitFile
    }
}

/// Posts, label names and the account of the load.
public struct LoadedDataset: Sendable {
    public var posts: [Post]
    /// Class names in index order (the format's fixed set, or the sorted labels seen).
    public var labelNames: [String]
    public var report: LoadReport

    /// Posts of one split, in load order.
    public func posts(in split: SplitName) -> [Post] { posts.filter { $0.split == split } }
}

/// Loads any `DatasetFormat` into `Post` records.
public enum DatasetLoader {
    /// Loads `specifier` with `options`: reads the layout, cleans text, resolves images,
    /// assigns splits (official, from `options.splitFile`, or stratified 8:1:1 with `options.splitSeed`).
    /// Throws `DatasetError` for a missing layout, or a bad record under `--on-error fail`.
    public static func load(_ specifier: DatasetSpecifier, options: LoadOptions = LoadOptions()) throws -> LoadedDataset {
        let session = LoadSession(specifier: specifier, options: options)
        let root = specifier.path
        switch specifier.format {
        case .weibo: try WeiboLoader.load(root: root, session: session)
        case .twitter: try TwitterMediaEvalLoader.load(root: root, session: session)
        case .fakeddit: try FakedditLoader.load(root: root, session: session)
        case .mvsaSingle: try MVSALoader.load(root: root, annotators: .single, session: session)
        case .mvsaMultiple: try MVSALoader.load(root: root, annotators: .multiple, session: session)
        case .tumemo: try TumEmoLoader.load(root: root, session: session)
        case .hfm: try HFMLoader.load(root: root, session: session)
        case .yelp: try YelpLoader.load(root: root, session: session)
        case .jsonl: try JSONLLoader.load(file: root, session: session)
        case .csv: try CSVLoader.load(file: root, session: session)
        case .easyVQA: try EasyVQALoader.load(root: root, session: session)
        }
        return try session.finish()
    }
}
