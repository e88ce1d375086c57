import Foundation

/// A small SVG writer: a canvas of fixed size that collects elements and renders a
/// standalone `<svg>` element (no external assets, fonts from the generic `sans-serif`).
struct SVGDocument {
    let width: Double
    let height: Double
    private(set) var elements: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Escapes text for XML content and attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default:
                // Control characters are not allowed in XML 1.0.
                if character.value < 0x20 && character != "\n" && character != "\t" { escaped += " " } else {
                    escaped.unicodeScalars.append(character)
                }
            }
        }
        return escaped
    }

    /// A number as SVG writes it: at most two decimals, no exponent.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(format: "%.2f", rounded)
    }

    private static func attributes(_ pairs: [(String, String)]) -> String {
        pairs.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    mutating func rectangle(x: Double, y: Double, width: Double, height: Double, fill: String,
                            stroke: String? = nil, opacity: Double? = nil, tooltip: String? = nil) {
        var pairs = [("x", Self.number(x)), ("y", Self.number(y)), ("width", Self.number(max(width, 0))),
                     ("height", Self.number(max(height, 0))), ("fill", fill)]
        if let stroke { pairs.append(("stroke", stroke)) }
        if let opacity { pairs.append(("fill-opacity", Self.number(opacity))) }
        append("rect", pairs, tooltip: tooltip)
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1,
                       dashed: Bool = false) {
        var pairs = [("x1", Self.number(x1)), ("y1", Self.number(y1)), ("x2", Self.number(x2)),
                     ("y2", Self.number(y2)), ("stroke", stroke), ("stroke-width", Self.number(width))]
        if dashed { pairs.append(("stroke-dasharray", "4 3")) }
        append("line", pairs)
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2) {
        let list = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        append("polyline", [("points", list), ("fill", "none"), ("stroke", stroke), ("stroke-width", Self.number(width)),
                            ("stroke-linejoin", "round")])
    }

    mutating func circle(x: Double, y: Double, radius: Double, fill: String, opacity: Double = 1, tooltip: String? = nil) {
        append("circle", [("cx", Self.number(x)), ("cy", Self.number(y)), ("r", Self.number(radius)), ("fill", fill),
                          ("fill-opacity", Self.number(opacity))], tooltip: tooltip)
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(_ content: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
                       fill: String = "#222", bold: Bool = false, rotate: Double? = nil) {
        var pairs = [("x", Self.number(x)), ("y", Self.number(y)), ("font-size", Self.number(size)),
                     ("text-anchor", anchor.rawValue), ("fill", fill), ("font-family", "sans-serif")]
        if bold { pairs.append(("font-weight", "bold")) }
        if let rotate { pairs.append(("transform", "rotate(\(Self.number(rotate)) \(Self.number(x)) \(Self.number(y)))")) }
        elements.append("<text\(Self.attributes(pairs))>\(Self.escape(content))</text>")
    }

    /// An embedded raster image (a `data:` URI), scaled to cover the box and centre-cropped.
    mutating func image(dataURI: String, x: Double, y: Double, width: Double, height: Double) {
        append("image", [("x", Self.number(x)), ("y", Self.number(y)), ("width", Self.number(width)),
                         ("height", Self.number(height)), ("href", dataURI), ("preserveAspectRatio", "xMidYMid slice")])
    }

    private mutating func append(_ name: String, _ pairs: [(String, String)], tooltip: String? = nil) {
        if let tooltip {
            elements.append("<\(name)\(Self.attributes(pairs))><title>\(Self.escape(tooltip))</title></\(name)>")
        } else {
            elements.append("<\(name)\(Self.attributes(pairs))/>")
        }
    }

    /// The document as a standalone `<svg>` element with a `<title>`.
    func render(title: String) -> String {
        var output = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.number(width))\" "
        output += "height=\"\(Self.number(height))\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" role=\"img\">\n"
        output += "<title>\(Self.escape(title))</title>\n"
        output += "<rect x=\"0\" y=\"0\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" fill=\"#ffffff\"/>\n"
        output += elements.joined(separator: "\n")
        output += "\n</svg>\n"
        return output
    }
}
