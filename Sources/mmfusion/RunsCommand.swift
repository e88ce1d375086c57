import ArgumentParser
import Foundation
import Training

/// `mmfusion runs list|compare`: the runs of the experiment store (or given run
/// directories) as paper-style tables.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List and compare training runs.",
        subcommands: [ListRuns.self, CompareRuns.self])
}

/// Options shared by the `runs` subcommands.
struct RunsSourceOptions: ParsableArguments {
    @Option(help: "The workspace whose experiment store to read (default: ./.mmfusion).") var workspace: String?

    func storedRuns() throws -> [StoredRun] {
        let url = ExperimentStore.defaultURL(workspace: workspace.map { URL(fileURLWithPath: $0) })
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TrainingError.badFile(path: url.path, reason: "no experiment store here; train a model first or pass run directories")
        }
        return try ExperimentStore(url: url).runs()
    }
}

/// `mmfusion runs list`: one line per recorded run.
struct ListRuns: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the recorded runs.")

    @OptionGroup var source: RunsSourceOptions

    func run() throws {
        let runs = try source.storedRuns()
        let header = ["model", "preset", "ablations", "seed", "accuracy", "macro_f1", "created", "directory"]
        let rows = runs.map { run in
            [run.model, run.preset ?? "-", run.ablations.isEmpty ? "-" : run.ablations.joined(separator: ","), String(run.seed),
             run.metrics["accuracy"].map { String(format: "%.4f", $0) } ?? "-",
             run.metrics["macro_f1"].map { String(format: "%.4f", $0) } ?? "-", run.created, run.directory]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for cells in [header] + rows {
            print(cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }
}

/// `mmfusion runs compare`: mean ± std over seeds per model and ablation.
struct CompareRuns: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare runs: rows model + ablations, columns metrics as mean ± std over seeds.",
        discussion: "Without run directories, compares every run in the experiment store.")

    @OptionGroup var source: RunsSourceOptions
    @Option(help: "Output format: text, markdown or csv.") var format: String = "text"
    @Option(help: "Also write the table as a self-contained HTML page to this file.") var html: String?
    @Argument(help: "Run directories (a run, or a folder of seed-N runs).") var runs: [String] = []

    func run() throws {
        guard let format = RunComparison.Format(rawValue: format) else {
            throw ValidationError("--format must be text, markdown or csv (got '\(format)')")
        }
        let stored = runs.isEmpty
            ? try source.storedRuns()
            : try runs.flatMap { try StoredRun.runs(at: URL(fileURLWithPath: $0).standardizedFileURL) }
        let comparison = RunComparison(runs: stored)
        print(comparison.render(format), terminator: "")
        if let html {
            let url = URL(fileURLWithPath: html)
            try ReportPage.writeComparison(to: url, metrics: comparison.metrics,
                                           rows: RunComparison.htmlRows(stored, metrics: comparison.metrics))
            FileHandle.standardError.write(Data("wrote \(url.path)\n".utf8))
        }
    }
}
