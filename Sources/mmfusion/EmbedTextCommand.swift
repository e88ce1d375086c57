import ArgumentParser
import Encoders
import Foundation
import Tensors

/// `mmfusion embed text`: one vector per input line from a BERT-family or DeBERTa encoder, or from
/// the text tower of a CLIP / Chinese-CLIP model (`--clip`), written as the tensor
/// "embeddings" [N, H] of a safetensors file.
struct EmbedTextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Embed each line of a text file with a BERT-family or DeBERTa encoder or a CLIP text tower.",
        discussion: "Writes the tensor \"embeddings\" [lines, hidden size] to --out. Empty lines are embedded too "
            + "(as [CLS] [SEP]); invalid UTF-8 is replaced by U+FFFD. With --clip <folder> the vectors are CLIP's "
            + "(or Chinese-CLIP's) projected text embeddings [lines, P] in the joint image-text space, texts cut "
            + "to the model's context (77 tokens for CLIP); with --normalize their dot product with "
            + "`embed image --output clip --normalize` rows is the cosine similarity."
    )

    @Option(help: "Hugging Face model directory (config.json, model.safetensors, tokenizer files); BERT, RoBERTa or DeBERTa-v2/v3 (model_type deberta-v2, tokenizer.json).") var model: String?
    @Option(help: "CLIP or Chinese-CLIP model folder, instead of --model.") var clip: String?
    @Option(help: "Text file, one text a line (UTF-8).") var input: String
    @Option(help: "Output safetensors file.") var out: String
    @Option(help: "Token pooling: cls or mean.") var pooling: TokenPooling = .mean
    @Flag(help: "Scale each vector to unit L2 norm.") var normalize = false
    @Option(help: "Hidden state to pool: 0 = embeddings, N = output of layer N (default: last layer).") var layer: Int?
    @Option(help: "Texts per forward pass.") var batchSize = 32
    @Option(help: "Longest encoding in tokens (default: max_seq_length of sentence_bert_config.json, else the model's limit).") var maxLength: Int?

    func validate() throws {
        guard (model == nil) != (clip == nil) else { throw ValidationError("pass exactly one of --model and --clip") }
        if clip != nil && (layer != nil || maxLength != nil) {
            throw ValidationError("--layer and --max-length apply to --model encoders only (CLIP uses its own context)")
        }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        if let maxLength, maxLength < 2 { throw ValidationError("--max-length must be at least 2, got \(maxLength)") }
        if let layer, layer < 0 { throw ValidationError("--layer must be >= 0, got \(layer)") }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: input) else {
            throw EmbedTextError(description: "cannot read the input file \(input); check the path and its permissions")
        }
        var texts = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        if texts.last == "" { texts.removeLast() }
        if let clip {
            try runCLIP(folder: clip, texts: texts)
            return
        }
        let directory = try HuggingFaceDirectory(URL(fileURLWithPath: model ?? ""))
        let embedder = try TextEmbedder(directory: directory)
        let progress = ProgressBar(label: "embedding", total: texts.count)
        let options = TextEmbedder.Options(pooling: pooling, normalize: normalize, layer: layer,
                                           batchSize: batchSize, maxLength: maxLength)
        let embeddings = try embedder.embed(texts, options: options) { done in progress.update(done) }
        let metadata = ["model": directory.url.lastPathComponent, "pooling": pooling.rawValue,
                        "normalize": String(normalize), "layer": layer.map(String.init) ?? "last"]
        try Safetensors.write(["embeddings": embeddings], to: URL(fileURLWithPath: out), metadata: metadata)
    }
}

extension EmbedTextCommand {
    /// `--clip`: projected text embeddings of a CLIP / Chinese-CLIP model, in input order.
    func runCLIP(folder: String, texts: [String]) throws {
        guard !texts.isEmpty else { throw EmbedTextError(description: "\(input) holds no lines to embed") }
        let directory = try HuggingFaceDirectory(URL(fileURLWithPath: folder))
        let embedder = try CLIPEmbedder(directory: directory)
        let progress = ProgressBar(label: "embedding", total: texts.count)
        var rows: [Tensor] = []
        var start = 0
        while start < texts.count {
            let batch = Array(texts[start..<min(start + batchSize, texts.count)])
            rows.append(try embedder.embedTexts(batch, normalize: normalize).embeddings)
            start += batch.count
            progress.update(start)
        }
        let embeddings = rows.count == 1 ? rows[0] : Tensor.concat(rows, axis: 0)
        let metadata = ["model": directory.url.lastPathComponent, "normalize": String(normalize),
                        "logit_scale": String(embedder.logitScale)]
        try Safetensors.write(["embeddings": embeddings], to: URL(fileURLWithPath: out), metadata: metadata)
    }
}

/// A failure of `mmfusion embed text` outside the library (exit code 1).
struct EmbedTextError: Error, CustomStringConvertible {
    let description: String
}

extension TokenPooling: ExpressibleByArgument {}
