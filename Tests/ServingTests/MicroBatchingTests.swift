import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Serving

/// Dynamic batching, the queue bound, timeouts and metrics.
@Suite("Micro-batching", .serialized)
struct MicroBatchingTests {
    @Test("concurrent requests run as fewer classifier calls, with the unbatched results")
    func concurrentRequestsShareBatches() async throws {
        let real = try ServingFixtures.real()
        let counting = CountingClassifier(real)
        var configuration = ServerConfiguration()
        configuration.batching.maximumBatchSize = 8
        configuration.batching.maximumWaitMilliseconds = 300
        let server = PredictionServer(classifier: counting, configuration: configuration)
        let texts = (0..<8).map { "post number \($0) about " + ["cats", "rain", "football", "politics"][$0 % 4] }
        let expected = try texts.map { try real.classify([RawPost(text: $0, image: nil)])[0].probabilities }
        let results = try await server.test { client in
            try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
                for (index, text) in texts.enumerated() {
                    group.addTask {
                        try await client.execute(uri: "/v1/predict", method: .post, headers: ServingFixtures.jsonHeaders,
                                                 body: try ServingFixtures.json(["text": text])) { response in
                            #expect(response.status == .ok)
                            return (index, ServingFixtures.probabilities(try ServingFixtures.object(response)))
                        }
                    }
                }
                var collected = [[Float]](repeating: [], count: texts.count)
                for try await (index, probabilities) in group { collected[index] = probabilities }
                return collected
            }
        }
        let sizes = counting.batchSizes
        #expect(sizes.reduce(0, +) == 8)
        #expect(sizes.count <= 2, "batch sizes \(sizes)")
        #expect(sizes.max() ?? 0 >= 4, "batch sizes \(sizes)")
        // Padding a text into a longer batch leaves its mean-pooled embedding unchanged.
        for (got, want) in zip(results, expected) {
            #expect(got.count == 3)
            for (a, b) in zip(got, want) { #expect(abs(a - b) < 1e-4) }
        }
        let exposition = server.metrics.exposition()
        #expect(ServingFixtures.metric(exposition, "mmfusion_http_requests_total{route=\"/v1/predict\",status=\"200\"}") == 8)
        #expect(ServingFixtures.metric(exposition, "mmfusion_batch_size_count") == Double(sizes.count))
        #expect(ServingFixtures.metric(exposition, "mmfusion_batch_size_sum") == 8)
    }

    @Test("a full queue answers 503 queue_full with Retry-After; queued requests still finish")
    func fullQueueRejects() async throws {
        let blocking = BlockingClassifier()
        var configuration = ServerConfiguration()
        configuration.batching.maximumBatchSize = 1
        configuration.batching.maximumWaitMilliseconds = 0
        configuration.batching.maximumQueueLength = 2
        let server = PredictionServer(classifier: blocking, configuration: configuration)
        try await server.test { client in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                // One running, then two waiting fill the queue.
                for index in 0..<3 {
                    group.addTask {
                        try await client.execute(uri: "/v1/predict", method: .post, headers: ServingFixtures.jsonHeaders,
                                                 body: try ServingFixtures.json(["text": "post \(index)"])) { $0.status }
                    }
                    if index == 0 { while blocking.runningCount == 0 { try await Task.sleep(nanoseconds: 5_000_000) } }
                }
                while await server.batcher.queueLength < 2 { try await Task.sleep(nanoseconds: 5_000_000) }
                try await client.execute(uri: "/v1/predict", method: .post, headers: ServingFixtures.jsonHeaders,
                                         body: try ServingFixtures.json(["text": "one too many"])) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(ServingFixtures.errorCode(response) == "queue_full")
                    #expect(response.headers[.retryAfter] == "1")
                }
                try await client.execute(uri: "/metrics", method: .get) { response in
                    let text = String(buffer: response.body)
                    #expect(ServingFixtures.metric(text, "mmfusion_queue_depth") == 2)
                    #expect(ServingFixtures.metric(text, "mmfusion_queue_rejections_total") == 1)
                    #expect(ServingFixtures.metric(text, "mmfusion_http_requests_total{route=\"/v1/predict\",status=\"503\"}") == 1)
                }
                for _ in 0..<3 { blocking.release.signal() }
                var statuses: [HTTPResponse.Status] = []
                for try await status in group { statuses.append(status) }
                #expect(statuses == [.ok, .ok, .ok])
            }
        }
    }

    @Test("a request not answered in time gets 504 timeout; the batcher then serves others")
    func requestTimeout() async throws {
        let blocking = BlockingClassifier()
        var configuration = ServerConfiguration()
        configuration.batching.maximumWaitMilliseconds = 0
        configuration.batching.requestTimeoutMilliseconds = 100
        let server = PredictionServer(classifier: blocking, configuration: configuration)
        try await server.test { client in
            try await client.execute(uri: "/v1/predict", method: .post, headers: ServingFixtures.jsonHeaders,
                                     body: try ServingFixtures.json(["text": "slow"])) { response in
                #expect(response.status == .gatewayTimeout)
                #expect(ServingFixtures.errorCode(response) == "timeout")
            }
            blocking.release.signal()
            blocking.release.signal()
            try await client.execute(uri: "/v1/predict", method: .post, headers: ServingFixtures.jsonHeaders,
                                     body: try ServingFixtures.json(["text": "fast"])) { response in
                #expect(response.status == .ok)
                let object = try ServingFixtures.object(response)
                #expect(object["label"] as? String == "b")
            }
        }
    }

    @Test("multipart boundaries are read plain or quoted")
    func multipartBoundary() throws {
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; charset=utf-8; boundary=\"a b\"") == "a b")
        #expect(MultipartForm.boundary(contentType: "multipart/form-data") == nil)
        let body = Array("preamble\r\n--xy\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nline1\r\nline2\r\n--xy--\r\n".utf8)
        let parts = try MultipartForm.parse(body, boundary: "xy")
        #expect(parts.count == 1)
        #expect(parts.first?.name == "text")
        #expect(parts.first.map { String(decoding: $0.body, as: UTF8.self) } == "line1\r\nline2")
    }
}
