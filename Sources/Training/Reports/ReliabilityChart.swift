import Foundation

/// The reliability diagram: per confidence bin, the accuracy as a bar against the
/// diagonal of perfect calibration, the gap to the bin's mean confidence shaded, and the
/// ECE in the corner.
struct ReliabilityChart {
    var title: String
    var diagram: ReliabilityDiagram

    func svg() -> String {
        var frame = ChartFrame(xRange: 0...1, yRange: 0...1, width: 440, height: 420)
        frame.left = 60
        var document = SVGDocument(width: frame.width, height: frame.height)
        frame.drawAxes(on: &document, title: title, xLabel: "confidence", yLabel: "accuracy")
        for bin in diagram.bins where bin.count > 0 {
            let x = frame.x(bin.lower)
            let barWidth = frame.x(bin.upper) - x
            document.rectangle(x: x + 0.5, y: frame.y(bin.accuracy), width: barWidth - 1,
                               height: frame.y(0) - frame.y(bin.accuracy), fill: ChartPalette.color(0), opacity: 0.85,
                               tooltip: "(\(String(format: "%.3f", bin.lower)), \(String(format: "%.3f", bin.upper))]: \(bin.count) posts, accuracy \(String(format: "%.3f", bin.accuracy)), confidence \(String(format: "%.3f", bin.meanConfidence))")
            let gapTop = frame.y(max(bin.accuracy, bin.meanConfidence))
            let gapBottom = frame.y(min(bin.accuracy, bin.meanConfidence))
            document.rectangle(x: x + 0.5, y: gapTop, width: barWidth - 1, height: gapBottom - gapTop, fill: ChartPalette.color(2),
                               opacity: 0.35)
        }
        document.line(x1: frame.x(0), y1: frame.y(0), x2: frame.x(1), y2: frame.y(1), stroke: "#444", width: 1.2, dashed: true)
        document.text("ECE \(String(format: "%.4f", diagram.expectedCalibrationError))  (n = \(diagram.count), \(diagram.bins.count) bins)",
                      x: frame.left + 8, y: frame.top + 16, size: 12)
        return document.render(title: title)
    }
}
