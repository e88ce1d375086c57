import Foundation

/// Lines over a numeric x axis (loss and metric curves per epoch), with a legend.
struct LineChart {
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]

    func svg() -> String {
        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let xs = finite.map(\.x)
        let ys = finite.map(\.y)
        let yLow = ys.min() ?? 0
        let yPadding = ((ys.max() ?? 1) - yLow) * 0.05
        let legendWidth = min(Double(series.map(\.name.count).max() ?? 4) * 6.5 + 40, 220)
        let frame = ChartFrame(xRange: (xs.min() ?? 0)...(xs.max() ?? 1),
                               yRange: (yLow - yPadding)...((ys.max() ?? 1) + yPadding), width: 560 + legendWidth,
                               right: legendWidth + 10)
        var document = SVGDocument(width: frame.width, height: frame.height)
        frame.drawAxes(on: &document, title: title, xLabel: xLabel, yLabel: yLabel, integerXTicks: true)
        for (index, line) in series.enumerated() {
            let points = line.points.filter { $0.x.isFinite && $0.y.isFinite }.map { (frame.x($0.x), frame.y($0.y)) }
            let color = ChartPalette.color(index)
            if points.count > 1 { document.polyline(points, stroke: color) }
            for (point, value) in zip(points, line.points.filter { $0.x.isFinite && $0.y.isFinite }) {
                document.circle(x: point.0, y: point.1, radius: 3, fill: color,
                                tooltip: "\(line.name) @ \(ChartFrame.tickLabel(value.x)): \(String(format: "%.4f", value.y))")
            }
        }
        frame.drawLegend(on: &document, entries: series.enumerated().map { ($0.element.name, ChartPalette.color($0.offset)) },
                         outside: true)
        return document.render(title: title)
    }
}
