import Foundation

/// A SentencePiece unigram tokenizer (DeBERTa-v3, T5, ALBERT, XLM-R style) read from a
/// Hugging Face `tokenizer.json` whose model type is `Unigram`, with id parity to `tokenizers`.
///
/// Pipeline: added (special) tokens are matched in the raw text; each text segment between
/// them is normalised (`NormalizerChain`), pre-tokenised (`MetaspacePreTokenizer`: spaces
/// become ▁, one ▁ prefix per word) and every word segmented by the unigram model
/// (Viterbi, best total log-probability; unknown scalars fused into one `unk`, or UTF-8 byte
/// pieces with `byte_fallback`). The post-processor template wraps the result
/// (`[CLS] A [SEP]`, `[CLS] A [SEP] B [SEP]` with type ids 0 / 1 for DeBERTa).
///
/// ```swift
/// let tokenizer = try UnigramTokenizer(tokenizerJSON: directory.appendingPathComponent("tokenizer.json"))
/// let encoding = tokenizer.encode("Hello world", maxLength: 128)   // [CLS] ▁Hello ▁world [SEP]
/// ```
public struct UnigramTokenizer: TextTokenizer {
    public let vocabularySize: Int
    public let padId: Int
    public let padToken: String
    let model: UnigramModel
    let normalizer: NormalizerChain
    let preTokenizer: MetaspacePreTokenizer
    let addedTokens: AddedTokenSplitter
    let template: SpecialTokenTemplate

    /// Reads `tokenizer.json` (model `Unigram`).
    /// - Throws: `TokenizerError.missingFile`, `.malformedFile` naming the key, or
    ///   `.unsupported` naming the normalizer / pre-tokenizer / post-processor it cannot run.
    public init(tokenizerJSON url: URL) throws {
        let file = try TokenizerJSON(url: url)
        let (type, fields) = try file.model()
        guard type == "Unigram" else { throw file.unsupported("model type \(type) (expected Unigram)") }
        // The pieces and scores are decoded again with JSONDecoder: it keeps every scalar of a
        // piece (U+FEFF included) and reads scores to the last bit, which Viterbi ties depend on.
        let vocabulary: [UnigramVocabularyEntry]
        do {
            vocabulary = try JSONDecoder().decode(UnigramFileLayout.self, from: try TokenizerError.readFile(url)).model.vocab
        } catch {
            throw file.malformed("\"model.vocab\" is not a list of [piece, score] (\(error))")
        }
        let pieces = vocabulary.map(\.piece)
        let scores = vocabulary.map(\.score)
        guard !pieces.isEmpty else { throw file.malformed("\"model.vocab\" is empty") }
        guard let unknownId = (fields["unk_id"] as? NSNumber)?.intValue, pieces.indices.contains(unknownId) else {
            throw file.unsupported("a Unigram model without a valid \"unk_id\"")
        }
        model = UnigramModel(pieces: pieces, scores: scores, unknownId: unknownId,
                             byteFallback: fields["byte_fallback"] as? Bool ?? false)
        normalizer = try NormalizerChain(json: file.root["normalizer"], file: file)
        preTokenizer = try MetaspacePreTokenizer(json: file.root["pre_tokenizer"], file: file)
        let added = try file.addedTokens()
        addedTokens = AddedTokenSplitter(added)
        template = try file.specialTokenTemplate()
        let pad = file.padding()
            ?? ["[PAD]", "<pad>"].lazy.compactMap { name in added.first { $0.content == name } }.first
                .map { VocabularyToken(id: $0.id, text: $0.content) }
            ?? VocabularyToken(id: 0, text: pieces[0])
        padId = pad.id
        padToken = pad.text
        vocabularySize = max(pieces.count, (added.map(\.id).max() ?? -1) + 1)
    }

    public func tokenize(_ text: String) -> [String] { modelTokens(text).tokens }

    public func encode(_ text: String, maxLength: Int?) -> Encoding {
        template.encode(modelTokens(text), pair: nil, maxLength: maxLength)
    }

    public func encode(_ first: String, pair second: String, maxLength: Int?) -> Encoding {
        template.encode(modelTokens(first), pair: modelTokens(second), maxLength: maxLength)
    }

    func modelTokens(_ text: String) -> TokenSequence {
        var output = TokenSequence()
        for (index, segment) in addedTokens.split(Array(text.unicodeScalars)).enumerated() {
            switch segment {
            case .token(let token, _):
                output.append(id: token.id, token: token.text)
            case .text(let scalars):
                var raw = String.UnicodeScalarView()
                raw.append(contentsOf: scalars)
                let normalized = Array(normalizer.normalize(String(raw)).unicodeScalars)
                guard !normalized.isEmpty else { continue }
                for word in preTokenizer.words(normalized, isFirstSegment: index == 0) {
                    for piece in model.segment(word) { output.append(id: piece.id, token: piece.token) }
                }
            }
        }
        return output
    }
}

/// The part of a Unigram `tokenizer.json` decoded with `JSONDecoder`.
struct UnigramFileLayout: Decodable {
    struct Model: Decodable { var vocab: [UnigramVocabularyEntry] }
    var model: Model
}

/// One `[piece, score]` entry of `model.vocab`.
struct UnigramVocabularyEntry: Decodable {
    var piece: String
    var score: Double

    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        piece = try container.decode(String.self)
        score = try container.decode(Double.self)
    }
}
