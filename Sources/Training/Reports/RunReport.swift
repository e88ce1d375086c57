import Datasets
import Foundation
import Tensors

/// The HTML report of one run directory: `index.html` (inline CSS, inline SVG figures,
/// images as `data:` URIs) and each figure also as a file under `figures/`.
///
/// Sections: summary and test metrics, per-class metrics, training curves (loss; validation
/// accuracy and macro F1), confusion matrix, per-class F1 bars, calibration (reliability
/// diagram, ECE, temperature), t-SNE of the fused representations coloured by label,
/// histograms of gates and modality weights, attention over text tokens and image regions
/// for a few test posts, configuration, encoders and weight hashes. A figure whose input
/// file is missing is left out and the page says why.
///
/// ```swift
/// let report = try RunReport.write(run: runDirectory, to: outputDirectory)
/// print(report.page.path)        // …/index.html
/// ```
public struct RunReport: Sendable {
    /// Choices of the report.
    public struct Options: Sendable {
        /// The dataset to read the attention posts' text and images from; nil: the one
        /// named in the feature store's manifest.
        public var dataset: DatasetSpecifier?
        /// At most this many test posts go into the t-SNE (a seeded random subset above).
        public var tsnePointLimit: Int
        /// The number of test posts with attention figures.
        public var attentionPosts: Int
        /// Seed of the t-SNE and of the subset.
        public var seed: UInt64

        public init(dataset: DatasetSpecifier? = nil, tsnePointLimit: Int = 3000, attentionPosts: Int = 4, seed: UInt64 = 0) {
            self.dataset = dataset
            self.tsnePointLimit = tsnePointLimit
            self.attentionPosts = attentionPosts
            self.seed = seed
        }
    }

    /// One figure written.
    public struct Figure: Sendable, Equatable {
        /// The figure's file, under `figures/`.
        public var file: URL
        /// What it shows.
        public var caption: String
    }

    /// The page, `<out>/index.html`.
    public var page: URL
    /// Every figure written, in page order.
    public var figures: [Figure]
    /// What could not be shown, and why.
    public var notes: [String]

    /// Reads the run directory `run` and writes the report into `output` (created).
    /// - Throws: `ReportError` naming the missing or malformed file, or the unwritable path.
    public static func write(run: URL, to output: URL, options: Options = Options()) throws -> RunReport {
        let directory = try ReportRunDirectory(directory: run)
        var builder = RunReportBuilder(run: directory, output: output, options: options)
        return try builder.build()
    }

    /// Writes `data` to `url` under a temporary name, then renames it into place.
    static func write(_ data: Data, to url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
            try data.write(to: temporary)
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            try FileManager.default.moveItem(at: temporary, to: url)
        } catch {
            throw ReportError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
    }
}
