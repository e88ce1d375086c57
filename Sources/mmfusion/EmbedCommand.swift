import ArgumentParser

/// `mmfusion embed <modality>`: frozen-encoder features written to a safetensors file.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Compute embeddings with a pretrained encoder.",
        subcommands: [EmbedTextCommand.self, EmbedImageCommand.self]
    )
}
