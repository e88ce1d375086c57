import ArgumentParser
import Foundation
import FusionModels

/// `mmfusion models list [--json]`: the fusion models, their paper presets and sizes.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Inspect the fusion models.",
        subcommands: [ListModels.self]
    )
}

/// `mmfusion models list`: one row per model preset (or per model without presets).
struct ListModels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List each model and preset with its task, paper and parameter count."
    )

    @Flag(help: "Print the list as JSON.") var json = false

    /// One row of the listing.
    struct Row: Encodable {
        let id: String
        let preset: String?
        let task: String
        let classes: Int
        let paper: String
        let parameterCount: Int
        let ablations: [String]

        enum CodingKeys: String, CodingKey {
            case id, preset, task, classes, paper, ablations
            case parameterCount = "parameter_count"
        }
    }

    func run() throws {
        var rows: [Row] = []
        for descriptor in ModelRegistry.descriptors {
            if descriptor.presets.isEmpty {
                let model = try ModelRegistry.make(id: descriptor.id, classes: 2, seed: 0)
                rows.append(Row(id: descriptor.id, preset: nil, task: "any (defaults, 2 classes)", classes: 2,
                                paper: descriptor.paper, parameterCount: model.parameterCount, ablations: descriptor.ablations))
            }
            for preset in descriptor.presets {
                let model = try ModelRegistry.make(id: descriptor.id, preset: preset.name, seed: 0)
                rows.append(Row(id: descriptor.id, preset: preset.name, task: preset.task, classes: preset.classCount,
                                paper: descriptor.paper, parameterCount: model.parameterCount, ablations: descriptor.ablations))
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        // Each column is as wide as its longest cell plus two spaces.
        let table = [["id", "preset", "parameters", "task"]]
            + rows.map { [$0.id, $0.preset ?? "-", String($0.parameterCount), $0.task] }
        let widths = (0..<4).map { column in table.map { $0[column].count }.max()! + 2 }
        for (line, paper) in zip(table, ["paper"] + rows.map(\.paper)) {
            let cells = zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
            print(cells.joined() + paper)
        }
    }
}
