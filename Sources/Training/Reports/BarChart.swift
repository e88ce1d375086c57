import Foundation

/// Vertical bars for named categories (per-class F1), values in [0, 1] by default,
/// each bar annotated with its value.
struct BarChart {
    var title: String
    var yLabel: String
    var categories: [String]
    var values: [Double]
    var yMaximum: Double = 1

    func svg() -> String {
        let count = max(categories.count, 1)
        let width = max(560, 90 + Double(count) * 34)
        var frame = ChartFrame(xRange: 0...Double(count), yRange: 0...max(yMaximum, values.max() ?? 0), width: width, height: 360)
        frame.bottom = 96
        var document = SVGDocument(width: frame.width, height: frame.height)
        document.text(title, x: frame.width / 2, y: 22, size: 15, anchor: .middle, bold: true)
        for tick in ChartFrame.ticks(frame.yRange) {
            document.line(x1: frame.left, y1: frame.y(tick), x2: frame.left + frame.plotWidth, y2: frame.y(tick), stroke: "#e4e4e4")
            document.text(ChartFrame.tickLabel(tick), x: frame.left - 6, y: frame.y(tick) + 4, size: 11, anchor: .end, fill: "#555")
        }
        let slot = frame.plotWidth / Double(count)
        for (index, value) in values.enumerated() {
            let x = frame.left + Double(index) * slot + slot * 0.15
            let top = frame.y(value)
            document.rectangle(x: x, y: top, width: slot * 0.7, height: frame.y(0) - top, fill: ChartPalette.color(0),
                               tooltip: "\(categories[index]): \(String(format: "%.4f", value))")
            document.text(String(format: "%.2f", value), x: x + slot * 0.35, y: top - 4, size: 10, anchor: .middle, fill: "#333")
            document.text(ConfusionMatrixChart.shortened(categories[index]), x: x + slot * 0.35 + 4, y: frame.y(0) + 14,
                          size: 11, anchor: .end, rotate: -45)
        }
        document.line(x1: frame.left, y1: frame.y(0), x2: frame.left + frame.plotWidth, y2: frame.y(0), stroke: "#555")
        document.line(x1: frame.left, y1: frame.top, x2: frame.left, y2: frame.y(0), stroke: "#555")
        document.text(yLabel, x: 16, y: frame.top + frame.plotHeight / 2, size: 12, anchor: .middle, rotate: -90)
        return document.render(title: title)
    }
}
