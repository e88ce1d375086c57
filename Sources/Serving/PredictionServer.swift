import Foundation
import Hummingbird

/// Where and how the server listens and what it accepts.
public struct ServerConfiguration: Sendable {
    /// The address to bind; loopback unless deliberately exposed.
    public var host = "127.0.0.1"
    /// The TCP port (0 picks a free one).
    public var port = 8080
    /// Request limits.
    public var limits = ServingLimits()
    /// Micro-batching settings.
    public var batching = BatchingOptions()
    /// When set, every `/v1/` request must send `Authorization: Bearer <apiKey>`.
    public var apiKey: String?

    /// The default configuration.
    public init() {}
}

/// The HTTP prediction server (Hummingbird 2): the routes below over one `PostClassifier`
/// behind a `MicroBatcher`.
///
/// | Route | Answer |
/// |---|---|
/// | `POST /v1/predict` | one post (JSON or multipart/form-data) → prediction |
/// | `POST /v1/predict/batch` | JSON array or JSON Lines of posts → predictions |
/// | `GET /v1/model` | model card, limits, batching |
/// | `GET /healthz`, `GET /readyz` | liveness; readiness (after a successful warm-up) |
/// | `GET /metrics` | Prometheus text |
/// | `GET /openapi.json` | the OpenAPI 3.1 document |
/// | `GET /` | a small web page using the API |
public final class PredictionServer: Sendable {
    /// The classifier behind the routes.
    public let classifier: any PostClassifier
    /// The configuration the server was made with.
    public let configuration: ServerConfiguration
    /// The request, batch and queue metrics.
    public let metrics: ServerMetrics
    let batcher: MicroBatcher
    let decoder: PostDecoder

    /// The routes, method and path.
    public static let routes: [(method: String, path: String)] = [
        ("GET", "/"), ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"), ("GET", "/openapi.json"),
        ("GET", "/v1/model"), ("POST", "/v1/predict"), ("POST", "/v1/predict/batch"),
    ]

    /// A server over `classifier`.
    public init(classifier: any PostClassifier, configuration: ServerConfiguration = ServerConfiguration()) {
        self.classifier = classifier
        self.configuration = configuration
        metrics = ServerMetrics()
        batcher = MicroBatcher(classifier: classifier, options: configuration.batching, metrics: metrics)
        decoder = PostDecoder(limits: configuration.limits)
    }

    /// Runs one text-only post through the classifier; `/readyz` answers 200 after it.
    public func warmUp() async throws {
        try await batcher.warmUp(RawPost(text: "warm-up", image: nil))
    }

    /// The router with every route and the error/auth/metrics middleware.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ServingMiddleware(apiKey: configuration.apiKey.map { Array($0.utf8) }, metrics: metrics,
                                                 knownRoutes: Set(Self.routes.map(\.path))))
        router.get("/") { _, _ in Self.text(WebPage.html, contentType: "text/html; charset=utf-8") }
        router.get("/healthz") { _, _ in try Self.json(["status": "ok"]) }
        router.get("/readyz") { _, _ in
            guard await self.batcher.isReady else {
                throw ServingError(.serviceUnavailable, "not_ready", "the model has not finished its warm-up")
            }
            return try Self.json(["status": "ready"])
        }
        router.get("/metrics") { _, _ in
            Self.text(self.metrics.exposition(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/openapi.json") { _, _ in Self.text(OpenAPIDocument.json, contentType: "application/json") }
        router.get("/v1/model") { _, _ in try Self.json(self.modelDescription) }
        router.post("/v1/predict") { request, _ in
            let post = try await self.post(from: request)
            let predictions = try await self.batcher.predict([post])
            return try Self.json(PredictionBody(predictions[0], post: post, labels: self.classifier.labels))
        }
        router.post("/v1/predict/batch") { request, _ in
            let contentType = Self.mediaType(request)
            let jsonLines = ["application/x-ndjson", "application/jsonl", "application/jsonlines"].contains(contentType)
            guard jsonLines || contentType == "application/json" else {
                throw Self.unsupportedMediaType(contentType, accepted: "application/json or application/x-ndjson")
            }
            let posts = try self.decoder.posts(batch: try await self.body(request), jsonLines: jsonLines)
            let predictions = try await self.batcher.predict(posts)
            let bodies = zip(predictions, posts).map { PredictionBody($0, post: $1, labels: self.classifier.labels) }
            return try Self.json(["predictions": bodies])
        }
        return router
    }

    /// The Hummingbird application listening on `configuration.host:port`.
    public func makeApplication() -> some ApplicationProtocol {
        Application(router: makeRouter(),
                    configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port),
                                                            serverName: "mmfusion"))
    }

    /// Warms the model up, then serves until SIGTERM or SIGINT; in-flight requests finish
    /// before it returns (graceful shutdown through swift-service-lifecycle).
    public func run() async throws {
        try await warmUp()
        try await makeApplication().runService()
    }

    // MARK: - Request handling

    private func post(from request: Request) async throws -> RawPost {
        let contentType = Self.mediaType(request)
        switch contentType {
        case "application/json":
            return try decoder.post(json: try await body(request))
        case "multipart/form-data":
            guard let boundary = MultipartForm.boundary(contentType: request.headers[.contentType] ?? "") else {
                throw ServingError.badRequest("invalid_multipart", "multipart/form-data needs a boundary parameter")
            }
            return try decoder.post(multipart: try await body(request), boundary: boundary)
        default:
            throw Self.unsupportedMediaType(contentType, accepted: "application/json or multipart/form-data")
        }
    }

    private func body(_ request: Request) async throws -> [UInt8] {
        let limit = configuration.limits.maximumBodyBytes
        let tooLarge = ServingError(.contentTooLarge, "body_too_large", "the request body is over the limit of \(limit) bytes")
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        }
    }

    private var modelDescription: ModelDescription {
        let limits = configuration.limits, batching = configuration.batching
        return ModelDescription(
            card: classifier.modelCard,
            limits: .init(maximumBodyBytes: limits.maximumBodyBytes, maximumImageBytes: limits.maximumImageBytes,
                          maximumPixelCount: limits.maximumPixelCount, maximumTextCharacters: limits.maximumTextCharacters,
                          maximumBatchPosts: limits.maximumBatchPosts),
            batching: .init(maximumBatchSize: batching.maximumBatchSize, maximumWaitMilliseconds: batching.maximumWaitMilliseconds,
                            maximumQueueLength: batching.maximumQueueLength,
                            requestTimeoutMilliseconds: batching.requestTimeoutMilliseconds),
            authentication: configuration.apiKey == nil ? "none" : "bearer")
    }

    static func mediaType(_ request: Request) -> String {
        (request.headers[.contentType] ?? "").split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased() ?? ""
    }

    static func unsupportedMediaType(_ found: String, accepted: String) -> ServingError {
        ServingError(.unsupportedMediaType, "unsupported_media_type",
                     "Content-Type '\(found.isEmpty ? "(none)" : found)' is not accepted; send \(accepted)")
    }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return text(try encoder.encode(value), contentType: "application/json")
    }

    static func text(_ value: String, contentType: String) -> Response { text(Data(value.utf8), contentType: contentType) }

    static func text(_ data: Data, contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// One prediction as `/v1/predict` sends it.
struct PredictionBody: Encodable {
    struct Score: Encodable {
        var label: String
        var probability: Float
    }
    var id: String?
    var label: String
    var labelIndex: Int
    var probabilities: [Score]
    var signals: [String: [Float]]
    var modalities: [String]

    init(_ prediction: Prediction, post: RawPost, labels: [String]) {
        id = post.id
        label = prediction.label
        labelIndex = prediction.labelIndex
        probabilities = zip(labels, prediction.probabilities).map { Score(label: $0, probability: $1) }
        signals = prediction.signals
        modalities = (post.text != nil ? ["text"] : []) + (post.image != nil ? ["image"] : [])
    }
}

/// What `/v1/model` sends.
struct ModelDescription: Encodable {
    struct Limits: Encodable {
        var maximumBodyBytes, maximumImageBytes, maximumPixelCount, maximumTextCharacters, maximumBatchPosts: Int
    }
    struct Batching: Encodable {
        var maximumBatchSize, maximumWaitMilliseconds, maximumQueueLength, requestTimeoutMilliseconds: Int
    }
    var card: ModelCard
    var limits: Limits
    var batching: Batching
    var authentication: String

    enum CodingKeys: String, CodingKey { case model, labels, features, encoders, temperature, source, metrics
        case weightHashes = "weight_hashes", limits, batching, authentication
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(card.model, forKey: .model)
        try container.encode(card.labels, forKey: .labels)
        try container.encode(card.features, forKey: .features)
        try container.encode(card.encoders, forKey: .encoders)
        try container.encode(card.temperature, forKey: .temperature)
        try container.encode(card.source, forKey: .source)
        try container.encode(card.metrics, forKey: .metrics)
        try container.encode(card.weightHashes, forKey: .weightHashes)
        try container.encode(limits, forKey: .limits)
        try container.encode(batching, forKey: .batching)
        try container.encode(authentication, forKey: .authentication)
    }
}
