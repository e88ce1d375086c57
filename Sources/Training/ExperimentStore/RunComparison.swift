import Foundation

/// A paper-style table of runs: one row per model + preset + ablations, one column per
/// metric, each cell the mean ± standard deviation over the row's seeds (in percent).
///
/// The standard deviation is the sample one (divisor n - 1), 0 for a single seed.
/// Rows keep the order in which their first run appears; columns are `accuracy`,
/// `macro_f1`, `weighted_f1` and, when any run has it, `auc`.
public struct RunComparison: Sendable {
    /// How the table is written.
    public enum Format: String, Sendable, CaseIterable {
        /// Aligned columns for a terminal.
        case text
        /// A GitHub-flavoured Markdown table.
        case markdown
        /// Comma-separated values with a `_mean` and a `_std` column per metric, as fractions.
        case csv
    }

    /// One row: a configuration and its metrics over seeds.
    public struct Row: Equatable, Sendable {
        /// `model`, with `[preset]` and `-ablation` switches appended.
        public var name: String
        /// The seeds, in run order.
        public var seeds: [UInt64]
        /// Mean and standard deviation per metric name (fractions).
        public var statistics: [String: (mean: Double, std: Double)]

        public static func == (left: Row, right: Row) -> Bool {
            left.name == right.name && left.seeds == right.seeds
                && left.statistics.mapValues { [$0.mean, $0.std] } == right.statistics.mapValues { [$0.mean, $0.std] }
        }
    }

    /// The rows.
    public let rows: [Row]
    /// The metric columns.
    public let metrics: [String]

    /// The rows as the HTML comparison page takes them: every seed's value per metric.
    public static func htmlRows(_ runs: [StoredRun], metrics: [String]) -> [ComparisonRow] {
        var order: [String] = []
        var grouped: [String: [StoredRun]] = [:]
        for run in runs {
            let name = rowName(run)
            if grouped[name] == nil { order.append(name) }
            grouped[name, default: []].append(run)
        }
        return order.map { name in
            var values: [String: [Double]] = [:]
            for metric in metrics { values[metric] = (grouped[name] ?? []).compactMap { $0.metrics[metric] } }
            return ComparisonRow(name: name, metrics: values)
        }
    }

    /// The comparison of `runs`.
    public init(runs: [StoredRun]) {
        var order: [String] = []
        var grouped: [String: [StoredRun]] = [:]
        for run in runs {
            let name = Self.rowName(run)
            if grouped[name] == nil { order.append(name) }
            grouped[name, default: []].append(run)
        }
        var metrics = ["accuracy", "macro_f1", "weighted_f1"]
        if runs.contains(where: { $0.metrics["auc"] != nil }) { metrics.append("auc") }
        self.metrics = metrics
        rows = order.map { name in
            let members = grouped[name] ?? []
            var statistics: [String: (mean: Double, std: Double)] = [:]
            for metric in metrics {
                let values = members.compactMap { $0.metrics[metric] }
                if !values.isEmpty { statistics[metric] = Self.meanAndStandardDeviation(values) }
            }
            return Row(name: name, seeds: members.map(\.seed), statistics: statistics)
        }
    }

    static func rowName(_ run: StoredRun) -> String {
        var name = run.model
        if let preset = run.preset { name += " [\(preset)]" }
        for ablation in run.ablations { name += " -\(ablation)" }
        return name
    }

    /// Mean and sample standard deviation (n - 1; 0 for one value).
    public static func meanAndStandardDeviation(_ values: [Double]) -> (mean: Double, std: Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        guard values.count > 1 else { return (mean, 0) }
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        return (mean, variance.squareRoot())
    }

    /// The table in `format`, ending with a newline.
    public func render(_ format: Format) -> String {
        switch format {
        case .csv:
            var lines = [(["model", "seeds"] + metrics.flatMap { ["\($0)_mean", "\($0)_std"] }).joined(separator: ",")]
            for row in rows {
                var cells = [Self.csvField(row.name), String(row.seeds.count)]
                for metric in metrics {
                    if let value = row.statistics[metric] {
                        cells += [String(format: "%.6f", value.mean), String(format: "%.6f", value.std)]
                    } else {
                        cells += ["", ""]
                    }
                }
                lines.append(cells.joined(separator: ","))
            }
            return lines.joined(separator: "\n") + "\n"
        case .markdown, .text:
            let header = ["model", "seeds"] + metrics
            let body = rows.map { row in
                [row.name, String(row.seeds.count)] + metrics.map { metric in
                    row.statistics[metric].map { String(format: "%.2f ± %.2f", $0.mean * 100, $0.std * 100) } ?? "-"
                }
            }
            if format == .markdown {
                var lines = ["| " + header.joined(separator: " | ") + " |",
                             "|" + header.indices.map { $0 < 1 ? "---|" : "---:|" }.joined()]
                for cells in body { lines.append("| " + cells.joined(separator: " | ") + " |") }
                return lines.joined(separator: "\n") + "\n"
            }
            let widths = header.indices.map { column in
                ([header] + body).map { $0[column].count }.max() ?? 0
            }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { column, cell in
                    let padding = String(repeating: " ", count: widths[column] - cell.count)
                    return column == 0 ? cell + padding : padding + cell
                }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
            }
            return ([line(header)] + body.map(line)).joined(separator: "\n") + "\n"
        }
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(",") || text.contains("\"") || text.contains("\n") else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
