import Foundation
@testable import Datasets

/// Replicas written by Tests/Fixtures/generate/datasets.py.
enum FixturePaths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("datasets")

    static func specifier(_ format: DatasetFormat, _ relative: String? = nil) -> DatasetSpecifier {
        DatasetSpecifier(format: format, path: root.appendingPathComponent(relative ?? format.rawValue))
    }

    static let skipping = LoadOptions(onError: .skip)

    static func load(_ format: DatasetFormat, _ relative: String? = nil, options: LoadOptions = skipping) throws -> LoadedDataset {
        try DatasetLoader.load(specifier(format, relative), options: options)
    }

    static func count(_ dataset: LoadedDataset, _ split: SplitName?, _ label: String?) -> Int {
        dataset.posts.filter { $0.split == split && $0.label == label }.count
    }

    static func post(_ dataset: LoadedDataset, _ id: String) -> Post? { dataset.posts.first { $0.id == id } }

    static func flagged(_ dataset: LoadedDataset, _ kind: LoadIssueKind) -> [String] {
        dataset.report.flagged.filter { $0.kind == kind }.compactMap(\.postID).sorted()
    }

    static func skipped(_ dataset: LoadedDataset, _ kind: LoadIssueKind) -> [String] {
        dataset.report.skipped.filter { $0.kind == kind }.compactMap(\.postID).sorted()
    }
}
