import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A small HTML checker for the report tests: tags balance (void elements and
/// self-closing tags aside, `<style>` content skipped), attribute quotes close, and every
/// local `href`/`src` names a file that exists next to the page.
enum HTMLChecker {
    static let voidElements: Set<String> = ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                                            "source", "track", "wbr"]

    /// Problems found, empty when the page is valid.
    static func problems(in html: String, directory: URL) -> [String] {
        var problems: [String] = []
        var stack: [String] = []
        var references: [String] = []
        let scalars = Array(html.unicodeScalars)
        var index = 0
        if !html.hasPrefix("<!DOCTYPE html>") { problems.append("missing <!DOCTYPE html>") }
        while index < scalars.count {
            guard scalars[index] == "<" else { index += 1; continue }
            // Comments and the doctype.
            if html.unicodeScalars.count > index + 3, String(String.UnicodeScalarView(scalars[index..<min(index + 4, scalars.count)])) == "<!--" {
                while index + 2 < scalars.count && !(scalars[index] == "-" && scalars[index + 1] == "-" && scalars[index + 2] == ">") { index += 1 }
                index += 3
                continue
            }
            var end = index + 1
            var quote: Unicode.Scalar?
            while end < scalars.count {
                let character = scalars[end]
                if let open = quote { if character == open { quote = nil } }
                else if character == "\"" || character == "'" { quote = character }
                else if character == ">" { break }
                end += 1
            }
            if end >= scalars.count { problems.append("unterminated tag at scalar \(index)"); break }
            let tag = String(String.UnicodeScalarView(scalars[(index + 1)..<end]))
            index = end + 1
            if tag.hasPrefix("!") { continue }
            let closing = tag.hasPrefix("/")
            let body = closing ? String(tag.dropFirst()) : tag
            let name = String(body.prefix { $0.isLetter || $0.isNumber || $0 == "-" }).lowercased()
            if name.isEmpty { problems.append("bad tag <\(tag)>"); continue }
            if closing {
                if stack.last == name { stack.removeLast() } else {
                    problems.append("</\(name)> closes <\(stack.last ?? "nothing")>")
                    return problems
                }
                continue
            }
            for attribute in ["href", "src"] {
                if let range = body.range(of: " \(attribute)=\"") {
                    let value = body[range.upperBound...].prefix { $0 != "\"" }
                    references.append(String(value))
                }
            }
            if body.hasSuffix("/") || voidElements.contains(name) { continue }
            if name == "style" || name == "script" {
                // Skip raw text to the closing tag.
                let rest = String(String.UnicodeScalarView(scalars[index...]))
                guard let close = rest.range(of: "</\(name)>") else { problems.append("unclosed <\(name)>"); return problems }
                index += rest.unicodeScalars.distance(from: rest.unicodeScalars.startIndex, to: close.lowerBound)
            }
            stack.append(name)
        }
        if !stack.isEmpty { problems.append("unclosed tags: \(stack)") }
        for reference in references where !reference.hasPrefix("#") && !reference.hasPrefix("data:") && !reference.hasPrefix("http") {
            if !FileManager.default.fileExists(atPath: directory.appendingPathComponent(reference).path) {
                problems.append("\(reference) does not exist")
            }
        }
        return problems
    }

    /// True when `svg` is well-formed XML (Foundation's XMLParser).
    static func isWellFormedXML(_ text: String) -> Bool {
        let parser = XMLParser(data: Data(text.utf8))
        return parser.parse()
    }
}
