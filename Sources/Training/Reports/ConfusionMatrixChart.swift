import Foundation

/// The confusion matrix as a heat map: rows true labels, columns predicted labels, each
/// cell coloured by its share of the row (recall view) and annotated with its count.
struct ConfusionMatrixChart {
    var title = "Confusion matrix (test)"
    var labels: [String]
    /// counts[true][predicted].
    var counts: [[Int]]

    func svg() -> String {
        let classes = labels.count
        let cell = max(min(420 / Double(max(classes, 1)), 64), 18)
        let labelWidth = min(Double((labels.map(\.count).max() ?? 4)) * 7 + 16, 160)
        let left = labelWidth + 30
        let top = 50.0
        let width = left + cell * Double(classes) + 30
        let height = top + cell * Double(classes) + labelWidth + 30
        var document = SVGDocument(width: width, height: height)
        document.text(title, x: width / 2, y: 22, size: 15, anchor: .middle, bold: true)
        let fontSize = max(min(cell / 3.2, 13), 8)
        for row in 0..<classes {
            let total = counts[row].reduce(0, +)
            for column in 0..<classes {
                let count = counts[row][column]
                let share = total > 0 ? Double(count) / Double(total) : 0
                let x = left + Double(column) * cell
                let y = top + Double(row) * cell
                document.rectangle(x: x, y: y, width: cell - 1, height: cell - 1, fill: ChartPalette.sequential(share),
                                   tooltip: "true \(labels[row]), predicted \(labels[column]): \(count) (\(String(format: "%.1f", share * 100))% of row)")
                document.text(String(count), x: x + cell / 2, y: y + cell / 2 + fontSize / 3, size: fontSize,
                              anchor: .middle, fill: ChartPalette.textOnSequential(share))
            }
            document.text(Self.shortened(labels[row]), x: left - 6, y: top + (Double(row) + 0.5) * cell + 4, size: 11, anchor: .end)
        }
        for column in 0..<classes {
            let x = left + (Double(column) + 0.5) * cell
            let y = top + Double(classes) * cell + 8
            document.text(Self.shortened(labels[column]), x: x + 4, y: y, size: 11, anchor: .end, rotate: -50)
        }
        document.text("predicted", x: left + cell * Double(classes) / 2, y: height - 8, size: 12, anchor: .middle)
        document.text("true", x: 14, y: top + cell * Double(classes) / 2, size: 12, anchor: .middle, rotate: -90)
        return document.render(title: title)
    }

    static func shortened(_ label: String) -> String {
        label.count > 22 ? String(label.prefix(21)) + "…" : label
    }
}
