import Foundation

/// A minimal `multipart/form-data` reader (RFC 7578): parts with a `Content-Disposition:
/// form-data; name="..."` header and their bytes. Malformed or truncated bodies throw
/// 400 `invalid_multipart`.
enum MultipartForm {
    struct Part {
        var name: String
        var filename: String?
        var body: [UInt8]
    }

    /// The boundary parameter of a `multipart/form-data` content type, nil when absent.
    static func boundary(contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            let value = pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2
                ? String(pair[1].dropFirst().dropLast()) : pair[1]
            return value.isEmpty || value.count > 70 ? nil : value
        }
        return nil
    }

    static func parse(_ body: [UInt8], boundary: String) throws -> [Part] {
        let delimiter = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [13, 10]
        guard var position = find(delimiter, in: body, from: 0) else {
            throw invalid("the body has no boundary line '--\(boundary)'")
        }
        position += delimiter.count
        var parts: [Part] = []
        while true {
            if body[position..<min(position + 2, body.count)].elementsEqual([45, 45]) { return parts }
            guard body[position..<min(position + 2, body.count)].elementsEqual(crlf) else {
                throw invalid("the body ends inside a boundary line (truncated upload?)")
            }
            position += 2
            guard let headerEnd = find([13, 10, 13, 10], in: body, from: position) else {
                throw invalid("a part's headers do not end (truncated upload?)")
            }
            let headers = String(decoding: body[position..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let contentEnd = find(crlf + delimiter, in: body, from: contentStart) else {
                throw invalid("a part has no closing boundary (truncated upload?)")
            }
            parts.append(try part(headers: headers, body: Array(body[contentStart..<contentEnd])))
            position = contentEnd + 2 + delimiter.count
        }
    }

    private static func part(headers: String, body: [UInt8]) throws -> Part {
        for line in headers.split(separator: "\r\n") {
            let pieces = line.split(separator: ":", maxSplits: 1)
            guard pieces.count == 2, pieces[0].trimmingCharacters(in: .whitespaces).lowercased() == "content-disposition"
            else { continue }
            var name: String?
            var filename: String?
            for parameter in pieces[1].split(separator: ";").dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { continue }
                let value = pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2
                    ? String(pair[1].dropFirst().dropLast()) : pair[1]
                if pair[0].lowercased() == "name" { name = value }
                if pair[0].lowercased() == "filename" { filename = value }
            }
            guard let name else { throw invalid("a part's Content-Disposition has no name") }
            return Part(name: name, filename: filename, body: body)
        }
        throw invalid("a part has no Content-Disposition header")
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first && haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    private static func invalid(_ detail: String) -> ServingError {
        ServingError.badRequest("invalid_multipart", "malformed multipart/form-data: \(detail)")
    }
}
