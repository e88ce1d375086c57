import ArgumentParser
import Datasets
import Foundation
import Training

/// `mmfusion report --run <run-dir> --out <dir>`: the HTML + SVG report of one run.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML report with SVG figures for a run directory.",
        discussion: "Writes <out>/index.html (self-contained: inline CSS and SVG, images as data URIs) and every figure as <out>/figures/*.svg, then prints the page's path and the figures."
    )

    @Option(name: .customLong("run"), help: "The run directory written by `mmfusion train`.") var runDirectory: String
    @Option(help: "The folder to write the report into (created).") var out: String
    @Option(help: "Dataset <format>:<path> to show the attention posts' text and images from (default: the one the feature store names).")
    var dataset: String?
    @Option(help: "At most this many test posts in the t-SNE.") var tsnePoints = 3000
    @Option(help: "The number of test posts with attention figures.") var attentionPosts = 4
    @Option(help: "Seed of the t-SNE.") var seed: UInt64 = 0

    func validate() throws {
        guard tsnePoints >= 5 else { throw ValidationError("--tsne-points must be at least 5, not \(tsnePoints)") }
        guard attentionPosts >= 0 else { throw ValidationError("--attention-posts must not be negative") }
    }

    func run() throws {
        let specifier: DatasetSpecifier?
        do { specifier = try dataset.map { try DatasetSpecifier(parsing: $0) } } catch {
            throw ValidationError("--dataset: \(error)")
        }
        let options = RunReport.Options(dataset: specifier, tsnePointLimit: tsnePoints, attentionPosts: attentionPosts, seed: seed)
        let report = try RunReport.write(run: URL(fileURLWithPath: runDirectory), to: URL(fileURLWithPath: out), options: options)
        print(report.page.path)
        for figure in report.figures { print("  " + figure.file.path) }
        for note in report.notes { FileHandle.standardError.write(Data(("note: " + note + "\n").utf8)) }
    }
}
