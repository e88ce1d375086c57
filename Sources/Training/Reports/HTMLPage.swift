import Foundation

/// A small HTML writer for the report pages: one standalone document with inline CSS,
/// sections, tables and inline SVG figures.
struct HTMLPage {
    var title: String
    private(set) var body: [String] = []

    init(title: String) {
        self.title = title
    }

    static func escape(_ text: String) -> String {
        SVGDocument.escape(text)
    }

    mutating func heading(_ text: String, level: Int = 2, id: String? = nil) {
        let anchor = id.map { " id=\"\(Self.escape($0))\"" } ?? ""
        body.append("<h\(level)\(anchor)>\(Self.escape(text))</h\(level)>")
    }

    mutating func paragraph(_ text: String, className: String? = nil) {
        let classAttribute = className.map { " class=\"\($0)\"" } ?? ""
        body.append("<p\(classAttribute)>\(Self.escape(text))</p>")
    }

    /// Raw markup the caller has built (already escaped).
    mutating func raw(_ markup: String) {
        body.append(markup)
    }

    mutating func table(header: [String], rows: [[String]], numericFrom: Int = 1) {
        var markup = "<table>\n"
        if !header.isEmpty {
            markup += "<thead><tr>" + header.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr></thead>\n"
        }
        markup += "<tbody>\n"
        for row in rows {
            markup += "<tr>" + row.enumerated().map { index, cell in
                index >= numericFrom ? "<td class=\"number\">\(Self.escape(cell))</td>" : "<td>\(Self.escape(cell))</td>"
            }.joined() + "</tr>\n"
        }
        markup += "</tbody>\n</table>"
        body.append(markup)
    }

    /// A figure: the SVG inline, a caption, and a link to its file when written.
    mutating func figure(svg: String, caption: String, file: String?) {
        var markup = "<figure>\n" + svg
        markup += "<figcaption>\(Self.escape(caption))"
        if let file { markup += " <a href=\"\(Self.escape(file))\">SVG file</a>" }
        markup += "</figcaption>\n</figure>"
        body.append(markup)
    }

    mutating func preformatted(_ text: String) {
        body.append("<pre>\(Self.escape(text))</pre>")
    }

    static let style = """
    body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1120px;
           padding: 16px 28px 48px; color: #222; background: #ffffff; }
    h1 { font-size: 24px; margin: 8px 0 4px; } h2 { font-size: 19px; margin-top: 32px; border-bottom: 1px solid #ddd; }
    h3 { font-size: 15px; margin-top: 20px; }
    table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
    th, td { border: 1px solid #d4d4d4; padding: 4px 10px; text-align: left; vertical-align: top; }
    th { background: #f3f3f3; } td.number { text-align: right; font-variant-numeric: tabular-nums; }
    figure { margin: 12px 0 24px; } figcaption { font-size: 12px; color: #555; margin-top: 4px; }
    figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
    pre { background: #f7f7f7; border: 1px solid #e3e3e3; padding: 8px; font-size: 12px; overflow-x: auto; max-height: 420px; }
    .note { color: #8a5a00; background: #fff8e6; border-left: 3px solid #f0b429; padding: 6px 10px; font-size: 13px; }
    .muted { color: #666; font-size: 13px; } nav a { margin-right: 12px; font-size: 13px; }
    """

    func render() -> String {
        var output = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        output += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        output += "<title>\(Self.escape(title))</title>\n<style>\n\(Self.style)\n</style>\n</head>\n<body>\n"
        output += body.joined(separator: "\n")
        output += "\n</body>\n</html>\n"
        return output
    }
}
