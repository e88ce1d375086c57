import Foundation

/// Attention over one post: its text tokens with backgrounds shaded by weight, and its
/// image (centre-cropped to a square, as the image encoders' preprocessing does) with the
/// region grid (H × W, e.g. 7 × 7) drawn over it, each cell darkened by how little weight
/// it gets. Weights are scaled by their maximum so the strongest token is fully coloured
/// and the strongest region fully bright.
struct AttentionFigure {
    var title: String
    /// The tokens and their weights (equal lengths), or empty.
    var tokens: [String] = []
    var tokenWeights: [Double] = []
    /// Region weights in row-major order over `gridRows` × `gridColumns`, or empty.
    var regionWeights: [Double] = []
    var gridRows = 0
    var gridColumns = 0
    /// The post's image as a `data:` URI, nil when unavailable.
    var imageDataURI: String?

    func svg() -> String {
        let width = 720.0
        var layout: [(x: Double, y: Double, width: Double, index: Int)] = []
        var cursorX = 12.0
        var cursorY = 56.0
        let textLeftWidth = regionWeights.isEmpty ? width - 24 : width - 24 - 260
        for (index, token) in tokens.enumerated() {
            let tokenWidth = Double(min(token.count, 24)) * 7.2 + 10
            if cursorX + tokenWidth > textLeftWidth + 12 && cursorX > 12 {
                cursorX = 12
                cursorY += 24
            }
            layout.append((cursorX, cursorY, tokenWidth, index))
            cursorX += tokenWidth + 3
        }
        let textHeight = tokens.isEmpty ? 0 : cursorY + 20
        let imageSide = 240.0
        let height = max(textHeight, regionWeights.isEmpty ? 0 : 40 + imageSide + 30, 80)
        var document = SVGDocument(width: width, height: height)
        document.text(title, x: 12, y: 22, size: 14, bold: true)
        let tokenMaximum = max(tokenWeights.max() ?? 0, 1e-12)
        if !tokens.isEmpty {
            document.text("text tokens", x: 12, y: 40, size: 11, fill: "#555")
        }
        for entry in layout {
            let share = tokenWeights[entry.index] / tokenMaximum
            document.rectangle(x: entry.x, y: entry.y - 15, width: entry.width, height: 21, fill: "#e15759", opacity: max(share, 0) * 0.85,
                               tooltip: "\(tokens[entry.index]): \(String(format: "%.4f", tokenWeights[entry.index]))")
            let shown = tokens[entry.index].count > 24 ? String(tokens[entry.index].prefix(23)) + "…" : tokens[entry.index]
            document.text(shown, x: entry.x + 5, y: entry.y, size: 12, fill: "#111")
        }
        if !regionWeights.isEmpty && gridRows > 0 && gridColumns > 0 {
            let left = width - imageSide - 12
            let top = 40.0
            document.text("image regions (\(gridRows)×\(gridColumns))", x: left, y: 34, size: 11, fill: "#555")
            if let imageDataURI {
                document.image(dataURI: imageDataURI, x: left, y: top, width: imageSide, height: imageSide)
            } else {
                document.rectangle(x: left, y: top, width: imageSide, height: imageSide, fill: "#dddddd")
            }
            let regionMaximum = max(regionWeights.max() ?? 0, 1e-12)
            let cellWidth = imageSide / Double(gridColumns)
            let cellHeight = imageSide / Double(gridRows)
            for row in 0..<gridRows {
                for column in 0..<gridColumns {
                    let weight = regionWeights[row * gridColumns + column]
                    let share = max(weight / regionMaximum, 0)
                    // Spotlight: regions are darkened by how little attention they get.
                    document.rectangle(x: left + Double(column) * cellWidth, y: top + Double(row) * cellHeight,
                                       width: cellWidth, height: cellHeight, fill: "#000000",
                                       stroke: "#ffffff", opacity: 0.75 * (1 - share),
                                       tooltip: "region (\(row), \(column)): \(String(format: "%.4f", weight))")
                }
            }
        }
        return document.render(title: title)
    }
}
