import ArgumentParser
import Datasets
import Foundation

/// `mmfusion datasets list | inspect <format>:<path>`.
struct DatasetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets",
        abstract: "List the dataset formats, or inspect one dataset.",
        subcommands: [DatasetsListCommand.self, DatasetsInspectCommand.self]
    )
}

/// `mmfusion datasets list`: each format with one line.
struct DatasetsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Print the dataset formats.")

    func run() {
        let width = DatasetFormat.allCases.map(\.rawValue.count).max() ?? 0
        for format in DatasetFormat.allCases {
            print(format.rawValue.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + format.summary)
        }
    }
}

/// Options shared by every command that loads a dataset.
struct DatasetLoadArguments: ParsableArguments {
    @Option(help: "Posts without an existing image: drop | text-only.") var missingImage = "text-only"
    @Option(help: "Malformed records and unknown labels: fail | skip.") var onError = "fail"
    @Option(help: "Fakeddit label column: 2way | 3way | 6way.") var labelSet = "2way"
    @Option(help: "JSON file {train: [ids], val: [ids], test: [ids]} giving the exact split.") var splitFile: String?
    @Option(help: "Seed of the stratified 8:1:1 split for datasets without an official one.") var splitSeed: UInt64 = 42
    @Option(help: "URLs in text: keep | strip | placeholder.") var urls = "keep"
    @Option(help: "@mentions in text: keep | strip | placeholder.") var mentions = "keep"
    @Option(help: "Hashtags in text: keep | strip | word.") var hashtags = "keep"
    @Flag(help: "Collapse repeated punctuation (!!! -> !).") var collapsePunctuation = false

    func choice<Value: RawRepresentable>(_ text: String, _ option: String, _ all: [Value]) throws -> Value where Value.RawValue == String {
        guard let value = Value(rawValue: text) else {
            throw ValidationError("--\(option) must be one of \(all.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
        }
        return value
    }

    func options() throws -> LoadOptions {
        let cleaning = TextCleaning(
            urls: try choice(urls, "urls", TextCleaning.Treatment.allCases),
            mentions: try choice(mentions, "mentions", TextCleaning.Treatment.allCases),
            hashtags: try choice(hashtags, "hashtags", TextCleaning.HashtagTreatment.allCases),
            collapseRepeatedPunctuation: collapsePunctuation)
        return LoadOptions(
            missingImage: try choice(missingImage, "missing-image", MissingImagePolicy.allCases),
            onError: try choice(onError, "on-error", RecordErrorPolicy.allCases),
            cleaning: cleaning,
            labelSet: try choice(labelSet, "label-set", FakedditLabelSet.allCases),
            splitSeed: splitSeed, splitFile: splitFile)
    }
}

/// `mmfusion datasets inspect <format>:<path> [--json]`.
struct DatasetsInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Load a dataset and print counts per split and label, image problems, duplicates and text lengths.")

    @Argument(help: "<format>:<path>, e.g. weibo:/data/weibo (see `mmfusion datasets list`).") var dataset: String
    @OptionGroup var load: DatasetLoadArguments
    @Flag(help: "Print the summary and the full load report as JSON.") var json = false
    @Option(help: "Write the split that was used to this JSON file.") var exportSplit: String?

    func run() throws {
        let specifier: DatasetSpecifier
        let options: LoadOptions
        do {
            specifier = try DatasetSpecifier(parsing: dataset)
            options = try load.options()
        } catch let error as ValidationError {
            throw error
        } catch {
            // A bad specifier is bad usage: exit status 2.
            throw ValidationError(String(describing: error))
        }
        let loaded = try DatasetLoader.load(specifier, options: options)
        if let exportSplit { try SplitAssignment(posts: loaded.posts).write(to: URL(fileURLWithPath: exportSplit)) }
        let inspection = DatasetInspection(loaded)
        if json {
            struct Output: Encodable {
                var inspection: DatasetInspection
                var report: LoadReport
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(Output(inspection: inspection, report: loaded.report)), as: UTF8.self))
        } else {
            print(inspection.table(), terminator: "")
        }
    }
}
