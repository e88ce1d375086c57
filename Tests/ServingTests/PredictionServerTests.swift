import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Serving

/// The server's routes in process (Hummingbird's router test client) over the real
/// MiniLM + MobileNetV2 + late-fusion chain (`make weights`).
@Suite("Prediction server", .serialized)
struct PredictionServerTests {
    func server(_ configure: (inout ServerConfiguration) -> Void = { _ in }) throws -> PredictionServer {
        var configuration = ServerConfiguration()
        configure(&configuration)
        return PredictionServer(classifier: try ServingFixtures.real(), configuration: configuration)
    }

    @Test("healthz answers ok; readyz answers 503 before the warm-up and 200 after")
    func healthAndReadiness() async throws {
        let server = try server()
        try await server.test { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                let object = try ServingFixtures.object(response)
                #expect(object["status"] as? String == "ok")
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(ServingFixtures.errorCode(response) == "not_ready")
            }
            try await server.warmUp()
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("/v1/model reports the model, labels, features and limits")
    func modelCard() async throws {
        let server = try server { $0.limits.maximumBatchPosts = 9 }
        try await server.test { client in
            try await client.execute(uri: "/v1/model", method: .get) { response in
                #expect(response.status == .ok)
                let card = try ServingFixtures.object(response)
                #expect(card["model"] as? String == "late-fusion")
                #expect(card["labels"] as? [String] == ServingFixtures.labels)
                #expect(card["features"] as? [String] == ["text.pooled", "image.pooled"])
                #expect((card["limits"] as? [String: Any])?["maximum_batch_posts"] as? Int == 9)
                #expect(card["authentication"] as? String == "none")
            }
        }
    }

    @Test("JSON predictions match the classifier run directly, for text, image and both")
    func jsonPrediction() async throws {
        let classifier = try ServingFixtures.real()
        let server = try server()
        let jpeg = try ServingFixtures.imageBytes("jpeg_baseline_61x47.jpg")
        let decoded = try PostDecoder(limits: ServingLimits()).post(json: Array(try JSONSerialization.data(
            withJSONObject: ["text": "a calm evening by the sea", "image": Data(jpeg).base64EncodedString()])))
        let textOnly = RawPost(text: "a calm evening by the sea", image: nil)
        let imageOnly = RawPost(text: nil, image: decoded.image)
        let expected = try classifier.classify([decoded, textOnly, imageOnly])
        let bodies: [[String: Any]] = [
            ["id": "p1", "text": "a calm evening by the sea", "image": Data(jpeg).base64EncodedString()],
            ["text": "a calm evening by the sea"],
            ["image": "data:image/jpeg;base64," + Data(jpeg).base64EncodedString(), "text": NSNull()],
        ]
        let modalities = [["text", "image"], ["text"], ["image"]]
        try await server.test { client in
            for (index, body) in bodies.enumerated() {
                try await client.execute(uri: "/v1/predict", method: .post, headers: ServingFixtures.jsonHeaders,
                                         body: try ServingFixtures.json(body)) { response in
                    #expect(response.status == .ok)
                    let prediction = try ServingFixtures.object(response)
                    let probabilities = ServingFixtures.probabilities(prediction)
                    #expect(probabilities.count == 3)
                    #expect(abs(probabilities.reduce(0, +) - 1) < 1e-5)
                    for (got, want) in zip(probabilities, expected[index].probabilities) { #expect(abs(got - want) < 1e-5) }
                    #expect(prediction["label"] as? String == expected[index].label)
                    let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }
                    #expect(prediction["label_index"] as? Int == best)
                    #expect(prediction["modalities"] as? [String] == modalities[index])
                    let signals = prediction["signals"] as? [String: [Double]]
                    #expect(signals?["text_logits"]?.count == 3 && signals?["image_logits"]?.count == 3)
                }
            }
            // The id is echoed.
            try await client.execute(uri: "/v1/predict", method: .post, headers: ServingFixtures.jsonHeaders,
                                     body: try ServingFixtures.json(bodies[0])) { response in
                let object = try ServingFixtures.object(response)
                #expect(object["id"] as? String == "p1")
            }
        }
        // Text and image change the prediction: the three posts do not all score alike.
        #expect(expected[0].probabilities != expected[1].probabilities)
        #expect(expected[1].probabilities != expected[2].probabilities)
    }

    @Test("multipart/form-data gives the same prediction as JSON")
    func multipartPrediction() async throws {
        let server = try server()
        let png = try ServingFixtures.imageBytes("png_rgb_61x47.png")
        let boundary = "----mmfusion-test-boundary"
        var formData = Data()
        formData.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nsunny day\r\n".utf8))
        formData.append(Data(("--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\n"
            + "Content-Type: image/png\r\n\r\n").utf8))
        formData.append(Data(png))
        formData.append(Data("\r\n--\(boundary)--\r\n".utf8))
        let form = formData
        try await server.test { client in
            let viaJSON = try await client.execute(
                uri: "/v1/predict", method: .post, headers: ServingFixtures.jsonHeaders,
                body: try ServingFixtures.json(["text": "sunny day", "image": Data(png).base64EncodedString()])
            ) { ServingFixtures.probabilities(try ServingFixtures.object($0)) }
            let viaForm = try await client.execute(
                uri: "/v1/predict", method: .post,
                headers: [.contentType: "multipart/form-data; boundary=\"\(boundary)\""], body: ByteBuffer(bytes: form)
            ) { response in
                #expect(response.status == .ok)
                #expect(try ServingFixtures.object(response)["modalities"] as? [String] == ["text", "image"])
                return ServingFixtures.probabilities(try ServingFixtures.object(response))
            }
            #expect(viaForm.count == 3 && viaJSON.count == 3)
            // Equal up to float rounding: tests running in parallel change OpenBLAS's global
            // thread count and with it the summation order of the encoders' products.
            #expect(zip(viaForm, viaJSON).allSatisfy { abs($0 - $1) <= 1e-6 }, "\(viaForm) vs \(viaJSON)")
        }
    }

    @Test("batch route: JSON array and JSON Lines give per-post predictions in order")
    func batchPrediction() async throws {
        let classifier = try ServingFixtures.real()
        let server = try server()
        let texts = ["great news today", "terrible service", "the bus was late again"]
        let expected = try classifier.classify(texts.map { RawPost(text: $0, image: nil) })
        try await server.test { client in
            let array = try ServingFixtures.json(texts.enumerated().map { ["id": "p\($0)", "text": $1] })
            let lines = texts.map { "{\"text\": \"\($0)\"}" }.joined(separator: "\n") + "\n"
            for (body, type) in [(array, "application/json"), (ServingFixtures.body(lines), "application/x-ndjson")] {
                try await client.execute(uri: "/v1/predict/batch", method: .post, headers: [.contentType: type],
                                         body: body) { response in
                    #expect(response.status == .ok)
                    let predictions = try ServingFixtures.object(response)["predictions"] as? [[String: Any]] ?? []
                    #expect(predictions.count == 3)
                    for (prediction, want) in zip(predictions, expected) {
                        for (got, value) in zip(ServingFixtures.probabilities(prediction), want.probabilities) {
                            #expect(abs(got - value) < 1e-5)
                        }
                    }
                    if type == "application/json" { #expect(predictions.map { $0["id"] as? String } == ["p0", "p1", "p2"]) }
                }
            }
        }
    }

    /// One malformed request: what is sent and the status and error code it must get.
    struct BadRequest: CustomStringConvertible, Sendable {
        var description: String
        var uri = "/v1/predict"
        var contentType = "application/json"
        var body: [UInt8]
        var status: HTTPResponse.Status
        var code: String
    }

    static func badRequests() throws -> [BadRequest] {
        func json(_ object: Any) throws -> [UInt8] { Array(try JSONSerialization.data(withJSONObject: object)) }
        func image(_ name: String) throws -> String { Data(try ServingFixtures.imageBytes(name)).base64EncodedString() }
        let boundary = "b0undary"
        let truncatedForm = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhello".utf8)
        return [
            BadRequest(description: "not JSON", body: Array("{\"text\": ".utf8), status: .badRequest, code: "invalid_json"),
            BadRequest(description: "empty body", body: [], status: .badRequest, code: "invalid_json"),
            BadRequest(description: "array instead of object", body: try json([1]), status: .badRequest, code: "invalid_type"),
            BadRequest(description: "text is a number", body: try json(["text": 5]), status: .badRequest, code: "invalid_field"),
            BadRequest(description: "unknown field", body: try json(["txt": "hi"]), status: .badRequest, code: "unknown_field"),
            BadRequest(description: "image URL field", body: try json(["text": "hi", "image_url": "http://example.com/x.jpg"]),
                       status: .badRequest, code: "unknown_field"),
            BadRequest(description: "neither text nor image", body: try json(["text": ""]),
                       status: .unprocessableContent, code: "empty_post"),
            BadRequest(description: "bad base64", body: try json(["image": "not*base64!"]), status: .badRequest,
                       code: "invalid_base64"),
            BadRequest(description: "not an image", body: try json(["image": try image("corrupt_text.jpg")]),
                       status: .unsupportedMediaType, code: "unsupported_image"),
            BadRequest(description: "truncated PNG", body: try json(["image": try image("corrupt_truncated.png")]),
                       status: .unprocessableContent, code: "corrupt_image"),
            BadRequest(description: "decompression bomb", body: try json(["image": try image("bomb_100000x100000.png")]),
                       status: .unprocessableContent, code: "image_too_many_pixels"),
            BadRequest(description: "text too long", body: try json(["text": String(repeating: "a", count: 101)]),
                       status: .contentTooLarge, code: "text_too_long"),
            BadRequest(description: "image too large", body: try json(["image": try image("bmp_32_61x47.bmp")]),
                       status: .contentTooLarge, code: "image_too_large"),
            BadRequest(description: "body too large", body: try json(["text": String(repeating: "a", count: 20_000)]),
                       status: .contentTooLarge, code: "body_too_large"),
            BadRequest(description: "wrong content type", contentType: "text/plain", body: Array("hello".utf8),
                       status: .unsupportedMediaType, code: "unsupported_media_type"),
            BadRequest(description: "truncated multipart", contentType: "multipart/form-data; boundary=\(boundary)",
                       body: truncatedForm, status: .badRequest, code: "invalid_multipart"),
            BadRequest(description: "multipart without boundary", contentType: "multipart/form-data",
                       body: truncatedForm, status: .badRequest, code: "invalid_multipart"),
            BadRequest(description: "unknown multipart part", contentType: "multipart/form-data; boundary=\(boundary)",
                       body: Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"url\"\r\n\r\nx\r\n--\(boundary)--".utf8),
                       status: .badRequest, code: "unknown_field"),
            BadRequest(description: "batch too large", uri: "/v1/predict/batch",
                       body: try json(Array(repeating: ["text": "x"], count: 5)), status: .contentTooLarge, code: "batch_too_large"),
            BadRequest(description: "empty batch", uri: "/v1/predict/batch", body: try json([Any]()),
                       status: .badRequest, code: "empty_batch"),
            BadRequest(description: "batch item unknown field", uri: "/v1/predict/batch",
                       body: try json([["text": "ok"], ["text": "x", "extra": 1]]), status: .badRequest, code: "unknown_field"),
            BadRequest(description: "batch object instead of array", uri: "/v1/predict/batch", body: try json(["text": "x"]),
                       status: .badRequest, code: "invalid_type"),
            BadRequest(description: "bad JSON line", uri: "/v1/predict/batch", contentType: "application/x-ndjson",
                       body: Array("{\"text\": \"a\"}\n{oops\n".utf8), status: .badRequest, code: "invalid_json"),
            BadRequest(description: "unknown route", uri: "/v1/nothing", body: [], status: .notFound, code: "not_found"),
        ]
    }

    @Test("every malformed request gets its 4xx status and a JSON error body")
    func malformedRequests() async throws {
        let server = try server {
            $0.limits.maximumTextCharacters = 100
            $0.limits.maximumImageBytes = 10_000
            $0.limits.maximumBodyBytes = 16_384
            $0.limits.maximumBatchPosts = 4
        }
        let cases = try Self.badRequests()
        try await server.test { client in
            for bad in cases {
                try await client.execute(uri: bad.uri, method: .post, headers: [.contentType: bad.contentType],
                                         body: ByteBuffer(bytes: bad.body)) { response in
                    #expect(response.status == bad.status, "\(bad.description)")
                    #expect(ServingFixtures.errorCode(response) == bad.code, "\(bad.description)")
                    #expect(response.headers[.contentType] == "application/json", "\(bad.description)")
                }
            }
        }
    }

    @Test("an API key guards /v1/ routes only; the comparison needs the exact key")
    func apiKey() async throws {
        let server = try server { $0.apiKey = "correct-horse-battery-staple" }
        try await server.test { client in
            for header: String? in [nil, "Bearer wrong", "Bearer correct-horse-battery-stapl", "correct-horse-battery-staple"] {
                var headers = ServingFixtures.jsonHeaders
                if let header { headers[.authorization] = header }
                try await client.execute(uri: "/v1/model", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized)
                    #expect(ServingFixtures.errorCode(response) == "unauthorized")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                }
            }
            try await client.execute(uri: "/v1/model", method: .get,
                                     headers: [.authorization: "Bearer correct-horse-battery-staple"]) { response in
                #expect(response.status == .ok)
                let object = try ServingFixtures.object(response)
                #expect(object["authentication"] as? String == "bearer")
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
        #expect(ServingMiddleware<BasicRequestContext>.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!ServingMiddleware<BasicRequestContext>.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!ServingMiddleware<BasicRequestContext>.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!ServingMiddleware<BasicRequestContext>.constantTimeEqual([], Array("a".utf8)))
    }

    @Test("the OpenAPI document lists exactly the router's routes")
    func openAPIMatchesRouter() async throws {
        let server = try server()
        let router = server.makeRouter()
        let routed = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        let listed = Set(PredictionServer.routes.map { "\($0.method) \($0.path)" })
        #expect(routed == listed)
        let document = try await server.test { client in
            try await client.execute(uri: "/openapi.json", method: .get) { try ServingFixtures.object($0) }
        }
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
        #expect(documented == routed)
    }

    @Test("the web page is self-contained HTML that calls the API")
    func webPage() async throws {
        let server = try server()
        try await server.test { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                let html = String(buffer: response.body)
                #expect(html.contains("fetch(\"/v1/predict\""))
                #expect(html.contains("<textarea"))
                #expect(!html.contains("http://") && !html.contains("https://"))
            }
        }
    }
}
