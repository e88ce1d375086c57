import Foundation

/// One row of a comparison table: a model (or model + ablation) and, per metric, its
/// values over the runs (seeds) that share it.
public struct ComparisonRow: Sendable, Equatable {
    /// The row's name, e.g. "hglnet" or "hglnet −gate".
    public var name: String
    /// Per metric name (e.g. "accuracy", "macro_f1"), one value per run, as fractions.
    public var metrics: [String: [Double]]

    public init(name: String, metrics: [String: [Double]]) {
        self.name = name
        self.metrics = metrics
    }
}

/// HTML pages of the report that do not belong to one run: the comparison of models and
/// ablations (`runs compare --html <out>`).
public enum ReportPage {
    /// A standalone HTML page (inline CSS, no external assets) with the paper-style table:
    /// rows `rows`, columns `metrics`, cells mean ± sample std over runs (scaled by
    /// `scale`, 100 shows percentages) with the 95% Student t interval and the run count
    /// in each cell's tooltip. When at least two rows have two or more values for a
    /// metric, a last row gives the Kruskal-Wallis p-value across the rows.
    public static func comparison(title: String = "Model comparison", metrics: [String], rows: [ComparisonRow],
                                  scale: Double = 100, digits: Int = 2) -> String {
        var page = HTMLPage(title: title)
        page.heading(title, level: 1)
        page.paragraph("Cells: mean ± sample standard deviation over runs (seeds)\(scale == 100 ? ", in percent" : ""); hover a cell for the 95% confidence interval (Student t) and the number of runs.", className: "muted")
        page.raw(comparisonTable(metrics: metrics, rows: rows, scale: scale, digits: digits))
        return page.render()
    }

    /// Writes `comparison(...)` to `url` (creating its folder).
    /// - Throws: `ReportError.cannotWrite` naming the file.
    public static func writeComparison(to url: URL, title: String = "Model comparison", metrics: [String],
                                       rows: [ComparisonRow], scale: Double = 100, digits: Int = 2) throws {
        let html = comparison(title: title, metrics: metrics, rows: rows, scale: scale, digits: digits)
        try RunReport.write(Data(html.utf8), to: url)
    }

    static func comparisonTable(metrics: [String], rows: [ComparisonRow], scale: Double, digits: Int) -> String {
        var markup = "<table class=\"comparison\">\n<thead><tr><th>model</th><th>runs</th>"
        markup += metrics.map { "<th>\(HTMLPage.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for row in rows {
            let runs = row.metrics.values.map(\.count).max() ?? 0
            markup += "<tr><td>\(HTMLPage.escape(row.name))</td><td class=\"number\">\(runs)</td>"
            for metric in metrics {
                guard let values = row.metrics[metric], !values.isEmpty else {
                    markup += "<td class=\"number\">–</td>"
                    continue
                }
                let summary = SeedSummary(values)
                var tooltip = "n = \(summary.count)"
                if let lower = summary.lower, let upper = summary.upper {
                    tooltip += String(format: ", 95%% CI [%.\(digits)f, %.\(digits)f]", lower * scale, upper * scale)
                }
                markup += "<td class=\"number\" title=\"\(HTMLPage.escape(tooltip))\">"
                markup += HTMLPage.escape(summary.formatted(digits: digits, scale: scale)) + "</td>"
            }
            markup += "</tr>\n"
        }
        var testCells: [String] = []
        var anyTest = false
        for metric in metrics {
            let groups = rows.compactMap { $0.metrics[metric] }.filter { $0.count >= 2 }
            if groups.count >= 2, let test = try? KruskalWallis(groups: groups) {
                anyTest = true
                testCells.append(String(format: "H = %.3f, p = %.4g", test.statistic, test.pValue))
            } else {
                testCells.append("–")
            }
        }
        if anyTest {
            markup += "<tr class=\"test\"><td>Kruskal-Wallis across rows</td><td></td>"
            markup += testCells.map { "<td class=\"number\">\(HTMLPage.escape($0))</td>" }.joined() + "</tr>\n"
        }
        markup += "</tbody>\n</table>"
        return markup
    }
}
