import Foundation

/// The plotting area of a chart with numeric axes: maps data to pixels and draws axes,
/// "nice" ticks (1, 2, 5 × 10ᵏ), grid lines, axis labels and the title.
struct ChartFrame {
    var width = 560.0
    var height = 340.0
    var left = 64.0
    var right = 24.0
    var top = 40.0
    var bottom = 52.0
    var xRange: ClosedRange<Double>
    var yRange: ClosedRange<Double>

    init(xRange: ClosedRange<Double>, yRange: ClosedRange<Double>, width: Double = 560, height: Double = 340,
         right: Double = 24) {
        self.width = width
        self.height = height
        self.right = right
        self.xRange = Self.widened(xRange)
        self.yRange = Self.widened(yRange)
    }

    static func widened(_ range: ClosedRange<Double>) -> ClosedRange<Double> {
        guard range.lowerBound.isFinite, range.upperBound.isFinite else { return 0...1 }
        if range.upperBound - range.lowerBound > 1e-12 { return range }
        return (range.lowerBound - 0.5)...(range.upperBound + 0.5)
    }

    var plotWidth: Double { width - left - right }
    var plotHeight: Double { height - top - bottom }

    func x(_ value: Double) -> Double {
        left + (value - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * plotWidth
    }

    func y(_ value: Double) -> Double {
        top + plotHeight - (value - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * plotHeight
    }

    /// Tick values covering `range` with about `target` steps of 1, 2 or 5 × 10ᵏ.
    static func ticks(_ range: ClosedRange<Double>, target: Int = 5) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [range.lowerBound] }
        let rough = span / Double(target)
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        var values: [Double] = []
        var value = ceil(range.lowerBound / step - 1e-9) * step
        while value <= range.upperBound + step * 1e-9 {
            values.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return values
    }

    static func tickLabel(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e6 { return String(Int(value)) }
        let text = String(format: "%.3g", value)
        return text
    }

    /// Draws the title, grid, ticks and axis labels.
    func drawAxes(on document: inout SVGDocument, title: String, xLabel: String, yLabel: String,
                  integerXTicks: Bool = false) {
        document.text(title, x: width / 2, y: 22, size: 15, anchor: .middle, bold: true)
        for tick in Self.ticks(yRange) {
            let position = y(tick)
            document.line(x1: left, y1: position, x2: left + plotWidth, y2: position, stroke: "#e4e4e4")
            document.text(Self.tickLabel(tick), x: left - 6, y: position + 4, size: 11, anchor: .end, fill: "#555")
        }
        var xTicks = Self.ticks(xRange, target: 6)
        if integerXTicks { xTicks = xTicks.filter { $0 == $0.rounded() } }
        for tick in xTicks {
            let position = x(tick)
            document.line(x1: position, y1: top + plotHeight, x2: position, y2: top + plotHeight + 4, stroke: "#555")
            document.text(Self.tickLabel(tick), x: position, y: top + plotHeight + 17, size: 11, anchor: .middle, fill: "#555")
        }
        document.line(x1: left, y1: top + plotHeight, x2: left + plotWidth, y2: top + plotHeight, stroke: "#555")
        document.line(x1: left, y1: top, x2: left, y2: top + plotHeight, stroke: "#555")
        document.text(xLabel, x: left + plotWidth / 2, y: height - 10, size: 12, anchor: .middle)
        document.text(yLabel, x: 16, y: top + plotHeight / 2, size: 12, anchor: .middle, rotate: -90)
    }

    /// A legend box at the top right of the plot area.
    func drawLegend(on document: inout SVGDocument, entries: [(name: String, color: String)], outside: Bool = false) {
        let startX = outside ? left + plotWidth + 14 : left + plotWidth - 150
        var rowY = top + 8
        for entry in entries {
            document.rectangle(x: startX, y: rowY - 9, width: 12, height: 12, fill: entry.color)
            document.text(entry.name, x: startX + 18, y: rowY + 1, size: 11)
            rowY += 18
        }
    }
}
