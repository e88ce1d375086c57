import ArgumentParser
import Encoders
import Foundation
import Tensors

/// `mmfusion embed text`: one vector per input line from a BERT-family encoder,
/// written as the tensor "embeddings" [N, H] of a safetensors file.
struct EmbedTextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Embed each line of a text file with a BERT-family encoder.",
        discussion: "Writes the tensor \"embeddings\" [lines, hidden size] to --out. Empty lines are embedded too "
            + "(as [CLS] [SEP]); invalid UTF-8 is replaced by U+FFFD."
    )

    @Option(help: "Hugging Face model directory (config.json, model.safetensors, tokenizer files).") var model: String
    @Option(help: "Text file, one text a line (UTF-8).") var input: String
    @Option(help: "Output safetensors file.") var out: String
    @Option(help: "Token pooling: cls or mean.") var pooling: TokenPooling = .mean
    @Flag(help: "Scale each vector to unit L2 norm.") var normalize = false
    @Option(help: "Hidden state to pool: 0 = embeddings, N = output of layer N (default: last layer).") var layer: Int?
    @Option(help: "Texts per forward pass.") var batchSize = 32
    @Option(help: "Longest encoding in tokens (default: max_seq_length of sentence_bert_config.json, else the model's limit).") var maxLength: Int?

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        if let maxLength, maxLength < 2 { throw ValidationError("--max-length must be at least 2, got \(maxLength)") }
        if let layer, layer < 0 { throw ValidationError("--layer must be >= 0, got \(layer)") }
    }

    func run() throws {
        let directory = try HuggingFaceDirectory(URL(fileURLWithPath: model))
        let embedder = try TextEmbedder(directory: directory)
        guard let data = FileManager.default.contents(atPath: input) else {
            throw EmbedTextError(description: "cannot read the input file \(input); check the path and its permissions")
        }
        var texts = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        if texts.last == "" { texts.removeLast() }
        let progress = ProgressBar(label: "embedding", total: texts.count)
        let options = TextEmbedder.Options(pooling: pooling, normalize: normalize, layer: layer,
                                           batchSize: batchSize, maxLength: maxLength)
        let embeddings = try embedder.embed(texts, options: options) { done in progress.update(done) }
        let metadata = ["model": directory.url.lastPathComponent, "pooling": pooling.rawValue,
                        "normalize": String(normalize), "layer": layer.map(String.init) ?? "last"]
        try Safetensors.write(["embeddings": embeddings], to: URL(fileURLWithPath: out), metadata: metadata)
    }
}

/// A failure of `mmfusion embed text` outside the library (exit code 1).
struct EmbedTextError: Error, CustomStringConvertible {
    let description: String
}

extension TokenPooling: ExpressibleByArgument {}
