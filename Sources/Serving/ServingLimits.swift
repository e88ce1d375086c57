/// The bounds the server enforces on every request. Requests over a bound get a 4xx with
/// a JSON error naming the bound; nothing over it is decoded or queued.
public struct ServingLimits: Sendable, Equatable {
    /// The largest request body read, in bytes (413 `body_too_large` above it).
    public var maximumBodyBytes = 8 * 1024 * 1024
    /// The largest encoded image, in bytes (413 `image_too_large`).
    public var maximumImageBytes = 5 * 1024 * 1024
    /// The most pixels an image header may declare (width x height), checked before any
    /// pixel memory is allocated (422 `image_too_many_pixels`: decompression bombs).
    public var maximumPixelCount = 40_000_000
    /// The longest text, in characters (413 `text_too_long`).
    public var maximumTextCharacters = 10_000
    /// The most posts in one `/v1/predict/batch` request (413 `batch_too_large`).
    public var maximumBatchPosts = 64

    /// The default limits.
    public init() {}
}

/// How the micro-batcher groups requests.
public struct BatchingOptions: Sendable, Equatable {
    /// The most posts run through the classifier at once (1 turns batching off).
    public var maximumBatchSize = 16
    /// How long the first post of a batch waits for others, in milliseconds.
    public var maximumWaitMilliseconds = 5
    /// The most posts waiting (not yet running); more get 503 `queue_full` with Retry-After.
    public var maximumQueueLength = 256
    /// How long one request may wait for its prediction, in milliseconds (504 `timeout`).
    public var requestTimeoutMilliseconds = 30_000

    /// The default options.
    public init() {}
}
