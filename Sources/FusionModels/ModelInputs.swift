import NeuralNetwork

/// One batch of cached features for a fusion model: named tensors (see `FeatureName`)
/// whose first axis is the batch, and a per-sample record of which modalities are present.
public struct ModelInputs {
    /// The feature tensors by name.
    public var features: [String: Tensor]
    /// Per sample: whether the post has text.
    public var textPresent: [Bool]
    /// Per sample: whether the post has an image.
    public var imagePresent: [Bool]
    /// The class labels of the batch when training (nil at inference). The trainer sets
    /// them for models whose auxiliary losses need them (BMLHF's supervised contrastive
    /// loss and view heads); those losses are left out when they are nil.
    public var labels: [Int]?

    /// A batch of `features`; modality masks default to "present" for every sample.
    /// - Throws: `FusionModelError.inconsistentBatch` when the tensors or masks disagree on B.
    public init(features: [String: Tensor], textPresent: [Bool]? = nil, imagePresent: [Bool]? = nil) throws {
        let sizes = Set(features.values.map { $0.rank > 0 ? $0.shape[0] : -1 })
        guard sizes.count <= 1, let batch = sizes.first ?? textPresent?.count ?? imagePresent?.count, batch >= 0 else {
            throw FusionModelError.inconsistentBatch(
                features.map { "\($0.key) \($0.value.shape)" }.sorted().joined(separator: ", "))
        }
        self.features = features
        self.textPresent = textPresent ?? Array(repeating: true, count: batch)
        self.imagePresent = imagePresent ?? Array(repeating: true, count: batch)
        guard self.textPresent.count == batch, self.imagePresent.count == batch else {
            throw FusionModelError.inconsistentBatch(
                "batch of \(batch) with modality masks of \(self.textPresent.count) and \(self.imagePresent.count)")
        }
    }

    /// A batch of `features` with its class `labels` (for training).
    /// - Throws: `FusionModelError.inconsistentBatch` when the labels or tensors disagree on B.
    public init(features: [String: Tensor], labels: [Int], textPresent: [Bool]? = nil, imagePresent: [Bool]? = nil) throws {
        try self.init(features: features, textPresent: textPresent, imagePresent: imagePresent)
        guard labels.count == batchSize else {
            throw FusionModelError.inconsistentBatch("batch of \(batchSize) with \(labels.count) labels")
        }
        self.labels = labels
    }

    /// B, the number of samples.
    public var batchSize: Int { textPresent.count }

    /// The feature `name`, checked to have `shape` (nil entries match any size).
    /// - Throws: `FusionModelError.missingFeature` or `.featureShape`, naming the feature.
    public func feature(_ name: String, shape: [Int?]) throws -> Tensor {
        guard let tensor = features[name] else {
            throw FusionModelError.missingFeature(name: name, available: features.keys.sorted())
        }
        let matches = tensor.rank == shape.count && zip(tensor.shape, shape).allSatisfy { $1 == nil || $0 == $1 }
        guard matches else {
            throw FusionModelError.featureShape(name: name, expected: shape, found: tensor.shape)
        }
        return tensor
    }

    /// [B] tensor with 1 where the text is present and 0 where it is missing.
    public var textPresenceTensor: Tensor { Tensor(shape: [batchSize], scalars: textPresent.map { $0 ? 1 : 0 }) }
    /// [B] tensor with 1 where the image is present and 0 where it is missing.
    public var imagePresenceTensor: Tensor { Tensor(shape: [batchSize], scalars: imagePresent.map { $0 ? 1 : 0 }) }
}
