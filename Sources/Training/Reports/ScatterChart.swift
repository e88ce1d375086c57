import Foundation

/// Points coloured by label with a legend beside the plot (the t-SNE of the fused
/// representations). Axes carry no units: t-SNE coordinates are arbitrary.
struct ScatterChart {
    var title: String
    var points: [[Double]]
    /// Class index per point (nil: unlabelled, drawn grey).
    var labels: [Int?]
    var labelNames: [String]

    func svg() -> String {
        let xs = points.map { $0[0] }
        let ys = points.map { $0[1] }
        let xPadding = ((xs.max() ?? 1) - (xs.min() ?? 0)) * 0.04
        let yPadding = ((ys.max() ?? 1) - (ys.min() ?? 0)) * 0.04
        let legendWidth = min(Double(labelNames.map(\.count).max() ?? 4) * 7 + 40, 200)
        var frame = ChartFrame(xRange: ((xs.min() ?? 0) - xPadding)...((xs.max() ?? 1) + xPadding),
                               yRange: ((ys.min() ?? 0) - yPadding)...((ys.max() ?? 1) + yPadding),
                               width: 520 + legendWidth, height: 480, right: legendWidth + 10)
        frame.left = 24
        var document = SVGDocument(width: frame.width, height: frame.height)
        document.text(title, x: frame.width / 2, y: 22, size: 15, anchor: .middle, bold: true)
        document.rectangle(x: frame.left, y: frame.top, width: frame.plotWidth, height: frame.plotHeight, fill: "#fafafa", stroke: "#cccccc")
        let radius = points.count > 2000 ? 2.0 : (points.count > 500 ? 2.5 : 3.5)
        for (point, label) in zip(points, labels) {
            let color = label.map(ChartPalette.color) ?? "#999999"
            let name = label.flatMap { $0 < labelNames.count ? labelNames[$0] : nil } ?? "unlabelled"
            document.circle(x: frame.x(point[0]), y: frame.y(point[1]), radius: radius, fill: color, opacity: 0.75, tooltip: name)
        }
        frame.drawLegend(on: &document, entries: labelNames.enumerated().map { ($0.element, ChartPalette.color($0.offset)) },
                         outside: true)
        document.text("t-SNE 1", x: frame.left + frame.plotWidth / 2, y: frame.height - 16, size: 12, anchor: .middle)
        document.text("t-SNE 2", x: 14, y: frame.top + frame.plotHeight / 2, size: 12, anchor: .middle, rotate: -90)
        return document.render(title: title)
    }
}
