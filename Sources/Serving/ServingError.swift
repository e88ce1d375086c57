import Foundation
import Hummingbird

/// A request the server refuses or could not answer, sent as
/// `{"error": {"code": "...", "message": "..."}}` with `status`.
public struct ServingError: Error, Equatable, CustomStringConvertible, HTTPResponseError {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A stable machine-readable code (`invalid_json`, `queue_full`, ...; docs/serving.md lists them).
    public var code: String
    /// What was wrong and how to fix it.
    public var message: String
    /// Extra response headers (Retry-After, WWW-Authenticate).
    public var headers: HTTPFields = [:]

    /// An error with a status, code and message.
    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// The JSON body.
    var body: Data {
        let object: [String: Any] = ["error": ["code": code, "message": message]]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func badRequest(_ code: String, _ message: String) -> ServingError { ServingError(.badRequest, code, message) }
}
