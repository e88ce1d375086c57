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
        func pad(_ text: String, _ width: Int) -> String {
            text.padding(toLength: Swift.max(width, text.count), withPad: " ", startingAt: 0)
        }
        print(pad("id", 18) + pad("preset", 8) + pad("parameters", 12) + pad("task", 36) + "paper")
        for row in rows {
            print(pad(row.id, 18) + pad(row.preset ?? "-", 8) + pad(String(row.parameterCount), 12)
                  + pad(row.task, 36) + row.paper)
        }
    }
}
