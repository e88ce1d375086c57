import Foundation
import Hummingbird

/// Wraps every route: the optional bearer API key on `/v1/` routes, JSON error bodies for
/// every failure (router 404s and body-size errors included), and request metrics.
struct ServingMiddleware<Context: RequestContext>: RouterMiddleware {
    let apiKey: [UInt8]?
    let metrics: ServerMetrics
    let knownRoutes: Set<String>

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let path = request.uri.path
        let route = knownRoutes.contains(path) ? path : "unmatched"
        let response: Response
        do {
            if let apiKey, path.hasPrefix("/v1/") { try authorize(request, apiKey: apiKey) }
            response = try await next(request, context)
        } catch {
            response = try Self.servingError(for: error).response(from: request, context: context)
        }
        metrics.request(route: route, status: response.status.code, seconds: (ContinuousClock.now - started).seconds)
        return response
    }

    /// The JSON error for anything a route throws.
    static func servingError(for error: any Error) -> ServingError {
        if let error = error as? ServingError { return error }
        if let error = error as? HTTPError {
            switch error.status {
            case .notFound:
                return ServingError(.notFound, "not_found", "no such route (or method); GET /openapi.json lists the routes")
            case .contentTooLarge:
                return ServingError(.contentTooLarge, "body_too_large", "the request body is over the size limit")
            default:
                return ServingError(error.status, "http_\(error.status.code)", error.body ?? error.status.reasonPhrase)
            }
        }
        return ServingError(.internalServerError, "internal_error", "the server failed: \(error)")
    }

    private func authorize(_ request: Request, apiKey: [UInt8]) throws {
        let header = request.headers[.authorization] ?? ""
        let prefix = "Bearer "
        let given = header.hasPrefix(prefix) ? Array(header.utf8.dropFirst(prefix.utf8.count)) : []
        guard Self.constantTimeEqual(given, apiKey) else {
            throw ServingError(.unauthorized, "unauthorized", "missing or wrong API key; send Authorization: Bearer <key>",
                               headers: [.wwwAuthenticate: "Bearer"])
        }
    }

    /// Compares two byte strings in time that depends only on their lengths, never on
    /// where they first differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        let length = max(a.count, b.count)
        for index in 0..<length {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
