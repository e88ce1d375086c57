import Encoders
import Foundation

/// Reads posts from request bodies and checks them against `ServingLimits`.
///
/// JSON post: `{"id": string?, "text": string?, "image": base64 string?}` (the image may
/// be a `data:` URL; it is never fetched from anywhere). Unknown fields are refused
/// (400 `unknown_field`) so a misspelt field never silently drops a modality. An empty
/// text counts as no text; a post needs text or an image.
struct PostDecoder: Sendable {
    static let fields: Set<String> = ["id", "text", "image"]
    let limits: ServingLimits

    /// One post from a JSON body.
    func post(json body: [UInt8]) throws -> RawPost {
        try post(object: parseJSON(body), at: "body")
    }

    /// The posts of a batch body: a JSON array of posts, or JSON Lines (`jsonLines`).
    func posts(batch body: [UInt8], jsonLines: Bool) throws -> [RawPost] {
        var objects: [Any] = []
        if jsonLines {
            var number = 0
            for line in body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                number += 1
                let trimmed = line.last == UInt8(ascii: "\r") ? line.dropLast() : line[...]
                if trimmed.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
                do {
                    objects.append(try parseJSON(Array(trimmed)))
                } catch let error as ServingError {
                    throw ServingError(error.status, error.code, "line \(number): \(error.message)")
                }
                try checkCount(objects.count)
            }
        } else {
            guard let array = try parseJSON(body) as? [Any] else {
                throw ServingError.badRequest("invalid_type", "the batch body must be a JSON array of posts "
                    + "(or JSON Lines with Content-Type application/x-ndjson)")
            }
            objects = array
        }
        guard !objects.isEmpty else { throw ServingError.badRequest("empty_batch", "the batch holds no posts") }
        try checkCount(objects.count)
        return try objects.enumerated().map { try post(object: $1, at: "posts[\($0)]") }
    }

    /// One post from a `multipart/form-data` body with parts `text`, `image` (a file) and `id`.
    func post(multipart body: [UInt8], boundary: String) throws -> RawPost {
        let parts = try MultipartForm.parse(body, boundary: boundary)
        var text: String?
        var id: String?
        var image: PostImage?
        for part in parts {
            switch part.name {
            case "text":
                guard let value = String(bytes: part.body, encoding: .utf8) else {
                    throw ServingError.badRequest("invalid_field", "part 'text' is not valid UTF-8")
                }
                text = try checkedText(value, at: "part 'text'")
            case "id":
                id = String(decoding: part.body, as: UTF8.self)
            case "image":
                image = part.body.isEmpty ? nil : try decodedImage(part.body, at: "part 'image'")
            default:
                throw ServingError.badRequest("unknown_field", "unknown form part '\(part.name)'; the parts are text, image and id")
            }
        }
        return try complete(RawPost(id: id, text: text, image: image), at: "form")
    }

    private func checkCount(_ count: Int) throws {
        guard count <= limits.maximumBatchPosts else {
            throw ServingError(.contentTooLarge, "batch_too_large",
                               "the batch holds more than \(limits.maximumBatchPosts) posts; split it")
        }
    }

    private func parseJSON(_ bytes: [UInt8]) throws -> Any {
        guard !bytes.isEmpty else { throw ServingError.badRequest("invalid_json", "the body is empty; send a JSON post") }
        do {
            return try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw ServingError.badRequest("invalid_json", "the body is not valid JSON")
        }
    }

    private func post(object: Any, at place: String) throws -> RawPost {
        guard let fields = object as? [String: Any] else {
            throw ServingError.badRequest("invalid_type", "\(place): a post must be a JSON object with text and/or image")
        }
        if let unknown = fields.keys.sorted().first(where: { !Self.fields.contains($0) }) {
            throw ServingError.badRequest("unknown_field", "\(place): unknown field '\(unknown)'; the fields are id, text and image")
        }
        let id = try string(fields["id"], field: "id", at: place)
        var text: String?
        if let given = try string(fields["text"], field: "text", at: place) { text = try checkedText(given, at: "\(place).text") }
        var image: PostImage?
        if let encoded = try string(fields["image"], field: "image", at: place), !encoded.isEmpty {
            image = try decodedImage(try base64Bytes(encoded, at: "\(place).image"), at: "\(place).image")
        }
        return try complete(RawPost(id: id, text: text, image: image), at: place)
    }

    private func string(_ value: Any?, field: String, at place: String) throws -> String? {
        guard let value, !(value is NSNull) else { return nil }
        guard let string = value as? String else {
            throw ServingError.badRequest("invalid_field", "\(place): field '\(field)' must be a string")
        }
        return string
    }

    private func checkedText(_ text: String, at place: String) throws -> String? {
        guard text.count <= limits.maximumTextCharacters else {
            throw ServingError(.contentTooLarge, "text_too_long",
                               "\(place) has \(text.count) characters, over the limit of \(limits.maximumTextCharacters)")
        }
        return text.isEmpty ? nil : text
    }

    private func complete(_ post: RawPost, at place: String) throws -> RawPost {
        guard post.text != nil || post.image != nil else {
            throw ServingError(.unprocessableContent, "empty_post", "\(place): the post has neither text nor an image")
        }
        return post
    }

    private func base64Bytes(_ encoded: String, at place: String) throws -> [UInt8] {
        var payload = Substring(encoded)
        if payload.hasPrefix("data:") {
            guard let comma = payload.firstIndex(of: ","), payload[..<comma].hasSuffix(";base64") else {
                throw ServingError.badRequest("invalid_base64", "\(place): a data URL must be base64 (data:image/...;base64,...)")
            }
            payload = payload[payload.index(after: comma)...]
        }
        // Base64 grows 4/3: refuse an oversized image before decoding it.
        guard payload.utf8.count / 4 * 3 <= limits.maximumImageBytes + 3 else { throw imageTooLarge(place) }
        guard let data = Data(base64Encoded: String(payload), options: [.ignoreUnknownCharacters]),
              payload.utf8.allSatisfy({ Self.isBase64Character($0) }) else {
            throw ServingError.badRequest("invalid_base64", "\(place) is not valid base64")
        }
        return [UInt8](data)
    }

    private static func isBase64Character(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
            return true
        default:
            return false
        }
    }

    private func imageTooLarge(_ place: String) -> ServingError {
        ServingError(.contentTooLarge, "image_too_large", "\(place) is over the limit of \(limits.maximumImageBytes) bytes")
    }

    private func decodedImage(_ bytes: [UInt8], at place: String) throws -> PostImage {
        guard bytes.count <= limits.maximumImageBytes else { throw imageTooLarge(place) }
        do {
            let decoded = try ImageDecoder(maximumPixelCount: limits.maximumPixelCount).decode(bytes, name: place)
            return PostImage(bytes: bytes, decoded: decoded)
        } catch let error as ImageDecodingError {
            switch error {
            case .tooManyPixels(_, let width, let height, let limit):
                throw ServingError(.unprocessableContent, "image_too_many_pixels",
                                   "\(place) declares \(width)x\(height) pixels, over the limit of \(limit)")
            case .unknownFormat, .unsupportedVariant, .emptyFile:
                throw ServingError(.unsupportedMediaType, "unsupported_image", error.description)
            case .truncated, .corruptData, .unreadableFile:
                throw ServingError(.unprocessableContent, "corrupt_image", error.description)
            }
        }
    }
}
