import Foundation

/// Picks and loads the tokenizer of a Hugging Face model directory.
public enum TokenizerLoader {
    /// Loads `directory`'s tokenizer:
    /// - `tokenizer.json` with model type `WordPiece` → `WordPieceTokenizer`, `BPE` → `BytePairTokenizer`,
    ///   `Unigram` → `UnigramTokenizer` (DeBERTa-v3 and other SentencePiece models);
    /// - otherwise `vocab.txt` → `WordPieceTokenizer`;
    /// - otherwise `vocab.json` + `merges.txt` → `BytePairTokenizer`, the flavour taken from
    ///   `tokenizer_config.json`'s `tokenizer_class` or `config.json`'s `model_type`
    ///   (CLIP → `.clip`, RoBERTa / GPT-2 family → `.roberta`).
    public static func load(directory: URL) throws -> any TextTokenizer {
        let manager = FileManager.default
        let json = directory.appendingPathComponent("tokenizer.json")
        if manager.fileExists(atPath: json.path) {
            let (type, _) = try TokenizerJSON(url: json).model()
            switch type {
            case "WordPiece": return try WordPieceTokenizer(tokenizerJSON: json)
            case "BPE": return try BytePairTokenizer(tokenizerJSON: json)
            case "Unigram": return try UnigramTokenizer(tokenizerJSON: json)
            default: throw TokenizerError.unsupported(path: json.path, component: "model type \(type)")
            }
        }
        if manager.fileExists(atPath: directory.appendingPathComponent("vocab.txt").path) {
            return try WordPieceTokenizer(directory: directory)
        }
        let vocabulary = directory.appendingPathComponent("vocab.json")
        guard manager.fileExists(atPath: vocabulary.path) else {
            throw TokenizerError.missingFile(path: directory.appendingPathComponent("tokenizer.json").path)
        }
        let flavour = try bytePairFlavour(directory: directory)
        return try BytePairTokenizer(vocabularyFile: vocabulary, mergesFile: directory.appendingPathComponent("merges.txt"),
                                     flavour: flavour)
    }

    static func bytePairFlavour(directory: URL) throws -> BytePairTokenizer.Flavour {
        var names: [String] = []
        for (file, key) in [("tokenizer_config.json", "tokenizer_class"), ("config.json", "model_type")] {
            let url = directory.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            guard let fields = (try? JSONSerialization.jsonObject(with: try TokenizerError.readFile(url))) as? [String: Any]
            else {
                throw TokenizerError.malformedFile(path: url.path, reason: "not a JSON object")
            }
            if let name = fields[key] as? String { names.append(name.lowercased()) }
        }
        for name in names {
            if name.hasPrefix("clip") { return .clip }
            if name.hasPrefix("roberta") || name.hasPrefix("gpt2") || name.hasPrefix("bart") { return .roberta }
        }
        throw TokenizerError.unsupported(
            path: directory.appendingPathComponent("vocab.json").path,
            component: "byte-level BPE of an unknown model (tokenizer_config.json tokenizer_class or config.json "
                + "model_type should name CLIP or RoBERTa; found \(names.isEmpty ? "neither" : names.joined(separator: ", ")))")
    }
}
