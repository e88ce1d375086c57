import Foundation

/// Overlaid histograms of one or more value sets over a shared range (gate values,
/// per-modality weights), as semi-transparent bars with a legend.
struct HistogramChart {
    var title: String
    var xLabel: String
    var series: [(name: String, values: [Double])]
    var binCount = 20

    /// The shared bin edges: [0, 1] when every value lies there, else the data range.
    var range: ClosedRange<Double> {
        let all = series.flatMap(\.values).filter(\.isFinite)
        let low = all.min() ?? 0
        let high = all.max() ?? 1
        if low >= 0 && high <= 1 { return 0...1 }
        return low...(high > low ? high : low + 1)
    }

    /// Counts per bin for `values`; the last bin includes its upper edge.
    func counts(_ values: [Double]) -> [Int] {
        let range = self.range
        var counts = [Int](repeating: 0, count: binCount)
        let span = range.upperBound - range.lowerBound
        for value in values where value.isFinite {
            let bin = min(max(Int((value - range.lowerBound) / span * Double(binCount)), 0), binCount - 1)
            counts[bin] += 1
        }
        return counts
    }

    func svg() -> String {
        let range = self.range
        let allCounts = series.map { counts($0.values) }
        let highest = Double(allCounts.flatMap { $0 }.max() ?? 1)
        let legendWidth = series.count > 1 ? min(Double(series.map(\.name.count).max() ?? 4) * 6.5 + 40, 200) : 0
        let frame = ChartFrame(xRange: range, yRange: 0...max(highest * 1.08, 1), width: 560 + legendWidth,
                               right: 24 + legendWidth)
        var document = SVGDocument(width: frame.width, height: frame.height)
        frame.drawAxes(on: &document, title: title, xLabel: xLabel, yLabel: "posts")
        let binWidth = (range.upperBound - range.lowerBound) / Double(binCount)
        for (index, counts) in allCounts.enumerated() {
            for (bin, count) in counts.enumerated() where count > 0 {
                let low = range.lowerBound + Double(bin) * binWidth
                let x = frame.x(low)
                document.rectangle(x: x + 0.5, y: frame.y(Double(count)), width: frame.x(low + binWidth) - x - 1,
                                   height: frame.y(0) - frame.y(Double(count)), fill: ChartPalette.color(index),
                                   opacity: series.count > 1 ? 0.55 : 0.9,
                                   tooltip: "\(series[index].name) [\(String(format: "%.3g", low)), \(String(format: "%.3g", low + binWidth))): \(count)")
            }
        }
        if series.count > 1 {
            frame.drawLegend(on: &document, entries: series.enumerated().map { ($0.element.name, ChartPalette.color($0.offset)) },
                             outside: true)
        }
        return document.render(title: title)
    }
}
