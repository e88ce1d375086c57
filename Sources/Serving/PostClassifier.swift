import Encoders
import Foundation

/// An image attached to a post as the client sent it: the encoded bytes and the decoded
/// pixels (decoded once, when the request is checked, so a bad image is a 4xx for that
/// request only and never fails a batch).
public struct PostImage: Sendable {
    /// The encoded bytes (JPEG, PNG, GIF, WebP or BMP).
    public var bytes: [UInt8]
    /// The decoded image.
    public var decoded: RGBImage

    /// An image from its bytes and their decoding.
    public init(bytes: [UInt8], decoded: RGBImage) {
        self.bytes = bytes
        self.decoded = decoded
    }
}

/// One post to classify, as a client sends it: optional text and an optional image
/// (at least one of the two).
public struct RawPost: Sendable {
    /// The client's id for the post, echoed in the answer (nil when none was given).
    public var id: String?
    /// The post's text, nil when the post has none.
    public var text: String?
    /// The post's image, nil when the post has none.
    public var image: PostImage?

    /// A post with `text` and/or `image`.
    public init(id: String? = nil, text: String?, image: PostImage?) {
        self.id = id
        self.text = text
        self.image = image
    }
}

/// What a classifier says about one post.
public struct Prediction: Sendable, Equatable {
    /// The index of the most probable class in `labels`.
    public var labelIndex: Int
    /// The most probable class's name.
    public var label: String
    /// Class probabilities in label order (softmax of logits / temperature); they sum to 1.
    public var probabilities: [Float]
    /// Per-post model signals by name (modality weights, gates, per-modality logits),
    /// flattened; only small per-sample intermediates the model reports are kept.
    public var signals: [String: [Float]]

    /// A prediction from its fields.
    public init(labelIndex: Int, label: String, probabilities: [Float], signals: [String: [Float]] = [:]) {
        self.labelIndex = labelIndex
        self.label = label
        self.probabilities = probabilities
        self.signals = signals
    }
}

/// What `GET /v1/model` reports about the model behind the server.
public struct ModelCard: Sendable, Codable, Equatable {
    /// The registry id of the fusion model (`concat`, `hglnet`, ...).
    public var model: String
    /// The class names, in logit order.
    public var labels: [String]
    /// The feature names the model reads.
    public var features: [String]
    /// The encoders behind those features (kind and where they were loaded from).
    public var encoders: [String: String]
    /// The softmax temperature (1 when not calibrated).
    public var temperature: Float
    /// Where the model came from (a run directory, or a description).
    public var source: String
    /// The run's final test metrics by name (`accuracy`, `macro_f1`, `weighted_f1`, `auc`);
    /// empty for an untrained model.
    public var metrics: [String: Double]
    /// SHA-256 of every encoder file the features come from: role → file name → hash.
    public var weightHashes: [String: [String: String]]

    /// A card from its fields.
    public init(model: String, labels: [String], features: [String], encoders: [String: String],
                temperature: Float, source: String, metrics: [String: Double] = [:],
                weightHashes: [String: [String: String]] = [:]) {
        self.model = model
        self.labels = labels
        self.features = features
        self.encoders = encoders
        self.temperature = temperature
        self.source = source
        self.metrics = metrics
        self.weightHashes = weightHashes
    }
}

/// A batched classifier of raw posts: what the server runs.
///
/// The server calls `classify` from one thread at a time (the micro-batcher runs one batch
/// after another), so an implementation may hold non-thread-safe model state.
public protocol PostClassifier: AnyObject, Sendable {
    /// The model's description for `GET /v1/model`.
    var modelCard: ModelCard { get }
    /// One prediction per post, in order.
    /// - Throws: when the model cannot run on the batch; the whole batch then fails.
    func classify(_ posts: [RawPost]) throws -> [Prediction]
}

extension PostClassifier {
    /// The class names, in logit order.
    public var labels: [String] { modelCard.labels }
}
