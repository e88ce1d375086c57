import ArgumentParser

@main
struct MMFusion: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mmfusion",
        abstract: "Train, evaluate, explain and serve image+text classifiers for social-media posts.",
        subcommands: [EmbedCommand.self, ModelsCommand.self, BenchCommand.self]
    )
}
