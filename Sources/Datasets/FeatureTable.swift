import Tensors

/// Cached features of a set of posts, in memory: one row per post, every tensor's first
/// axis indexing the rows. This is what a feature store hands to training and evaluation.
///
/// Tensor names follow the fusion models' feature names (`text.cls_layers`, `image.grid`,
/// `clip.text`, ...). A row whose post has no image keeps zeros in the image tensors and
/// `imagePresent[row] == false`; likewise for text.
public struct FeatureTable {
    /// The post ids, one per row, unique.
    public var ids: [String]
    /// The class index of each row (into `labelNames`), nil for an unlabelled post.
    public var labels: [Int?]
    /// The label set, in class-index order.
    public var labelNames: [String]
    /// The split of each row, nil when the store has none for it.
    public var splits: [SplitName?]
    /// Per row: whether the post has text.
    public var textPresent: [Bool]
    /// Per row: whether the post has a usable image.
    public var imagePresent: [Bool]
    /// The feature tensors by name; `shape[0] == ids.count` for each.
    public var features: [String: Tensor]

    /// A table; every per-row array and every tensor's first axis must have `ids.count` rows.
    public init(
        ids: [String], labels: [Int?], labelNames: [String], splits: [SplitName?], textPresent: [Bool],
        imagePresent: [Bool], features: [String: Tensor]
    ) {
        let rows = ids.count
        precondition(
            labels.count == rows && splits.count == rows && textPresent.count == rows && imagePresent.count == rows,
            "FeatureTable: per-row arrays disagree with \(rows) ids")
        for (name, tensor) in features {
            precondition(tensor.rank > 0 && tensor.shape[0] == rows,
                         "FeatureTable: feature '\(name)' has shape \(tensor.shape), expected \(rows) rows")
        }
        self.ids = ids
        self.labels = labels
        self.labelNames = labelNames
        self.splits = splits
        self.textPresent = textPresent
        self.imagePresent = imagePresent
        self.features = features
    }

    /// The number of rows.
    public var count: Int { ids.count }

    /// The row indices of `split`, in table order.
    public func indices(in split: SplitName) -> [Int] {
        splits.indices.filter { splits[$0] == split }
    }

    /// A table of the given rows, in the given order (rows may repeat).
    public func rows(_ indices: [Int]) -> FeatureTable {
        var selected: [String: Tensor] = [:]
        for (name, tensor) in features {
            selected[name] = tensor.indexSelect(axis: 0, indices)
        }
        return FeatureTable(
            ids: indices.map { ids[$0] }, labels: indices.map { labels[$0] }, labelNames: labelNames,
            splits: indices.map { splits[$0] }, textPresent: indices.map { textPresent[$0] },
            imagePresent: indices.map { imagePresent[$0] }, features: selected)
    }
}
