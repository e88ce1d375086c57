import Foundation

/// Byte-level BPE tokenizer with exact id parity to Hugging Face `tokenizers`, in the two
/// pipelines `transformers` builds:
///
/// - `.clip` (`CLIPTokenizer`): NFC, whitespace runs to one space, lower case; CLIP's regex
///   pieces; byte-level alphabet; BPE with the `</w>` end-of-word suffix; unknown symbols become
///   `<|endoftext|>`; `<|startoftext|> A <|endoftext|>`, padding with `<|endoftext|>`.
///   CLIP's text model takes 77 positions: `encode(text, maxLength: 77)` keeps the end token.
/// - `.roberta` (`RobertaTokenizer`, GPT-2's byte level): no normalisation; GPT-2's regex
///   pieces (a leading space stays on the word); byte-level alphabet; BPE; `<s> A </s>` and
///   `<s> A </s></s> B </s>`, padding with `<pad>`.
///
/// Pre-tokenisation regexes are implemented as scanners over Unicode scalars (see
/// `PreTokenizationPattern`); merges are applied lowest rank first, with a per-word cache.
public struct BytePairTokenizer: TextTokenizer {
    /// Which `transformers` pipeline the vocabulary belongs to.
    public enum Flavour: String, Sendable, CaseIterable {
        /// `CLIPTokenizer`: lower-cased, CLIP's regex, `</w>` suffix, `<|startoftext|>`/`<|endoftext|>`.
        case clip
        /// `RobertaTokenizer` (GPT-2 byte level): cased, GPT-2's regex, `<s>`/`</s>`/`<pad>`.
        case roberta
    }

    public let flavour: Flavour
    public let vocabularySize: Int
    public let padId: Int
    public let padToken: String

    let model: BytePairModel
    let addedTokens: AddedTokenSplitter
    let template: SpecialTokenTemplate
    /// The first split: CLIP's pattern (with or without its special-token alternatives) or GPT-2's.
    let splitPattern: PreTokenizationPattern
    /// CLIP's byte-level step also splits each piece with GPT-2's pattern (`use_regex`).
    let splitsPiecesAgain: Bool

    /// Loads `tokenizer.json` when the directory has one, else `vocab.json` + `merges.txt` with
    /// the given flavour's special tokens.
    public init(directory: URL, flavour: Flavour) throws {
        let json = directory.appendingPathComponent("tokenizer.json")
        if FileManager.default.fileExists(atPath: json.path) {
            try self.init(tokenizerJSON: json)
            guard self.flavour == flavour else {
                throw TokenizerError.unsupported(path: json.path,
                    component: "a \(self.flavour.rawValue) pipeline where \(flavour.rawValue) was asked for")
            }
            return
        }
        try self.init(vocabularyFile: directory.appendingPathComponent("vocab.json"),
                      mergesFile: directory.appendingPathComponent("merges.txt"), flavour: flavour)
    }

    /// Loads `vocab.json` (token -> id) and `merges.txt` (`#version` header, then one
    /// `left right` pair a line, highest priority first).
    public init(vocabularyFile: URL, mergesFile: URL, flavour: Flavour) throws {
        let vocabularyJSON: Any
        do {
            vocabularyJSON = try JSONSerialization.jsonObject(with: try TokenizerError.readFile(vocabularyFile))
        } catch let error as TokenizerError {
            throw error
        } catch {
            throw TokenizerError.malformedFile(path: vocabularyFile.path, reason: "not valid JSON")
        }
        guard let raw = vocabularyJSON as? [String: Any] else {
            throw TokenizerError.malformedFile(path: vocabularyFile.path, reason: "not a JSON object of token -> id")
        }
        var vocabulary: [ExactString: Int] = [:]
        for (token, value) in raw {
            guard let id = (value as? NSNumber)?.intValue, id >= 0 else {
                throw TokenizerError.malformedFile(path: vocabularyFile.path,
                                                   reason: "entry \(token.debugDescription) has no non-negative integer id")
            }
            vocabulary[ExactString(token)] = id
        }
        let merges = try Self.readMerges(mergesFile)
        func special(_ token: String) throws -> VocabularyToken {
            guard let id = vocabulary[exact: token] else {
                throw TokenizerError.missingSpecialToken(path: vocabularyFile.path, token: token)
            }
            return VocabularyToken(id: id, text: token)
        }
        switch flavour {
        case .clip:
            let start = try special("<|startoftext|>")
            let end = try special("<|endoftext|>")
            let model = try BytePairModel(vocabulary: vocabulary, merges: merges, endOfWordSuffix: "</w>",
                                          unknownToken: end.text, source: vocabularyFile.path)
            self.init(flavour: flavour, model: model,
                      addedTokens: [AddedToken(content: start.text, id: start.id), AddedToken(content: end.text, id: end.id)],
                      template: SpecialTokenTemplate(style: .roberta, start: start, end: end), pad: end)
        case .roberta:
            let start = try special("<s>")
            let end = try special("</s>")
            let pad = try special("<pad>")
            var added = [AddedToken(content: start.text, id: start.id), AddedToken(content: end.text, id: end.id),
                         AddedToken(content: pad.text, id: pad.id)]
            if let unknown = vocabulary[exact: "<unk>"] { added.append(AddedToken(content: "<unk>", id: unknown)) }
            if let mask = vocabulary[exact: "<mask>"] { added.append(AddedToken(content: "<mask>", id: mask)) }
            let model = try BytePairModel(vocabulary: vocabulary, merges: merges, endOfWordSuffix: "",
                                          unknownToken: nil, source: vocabularyFile.path)
            self.init(flavour: flavour, model: model, addedTokens: added,
                      template: SpecialTokenTemplate(style: .roberta, start: start, end: end), pad: pad)
        }
    }

    /// Loads a `tokenizer.json` with a `BPE` model in the CLIP pipeline (`end_of_word_suffix`
    /// `</w>`, a `Sequence` pre-tokenizer with CLIP's `Split`) or the RoBERTa pipeline (`ByteLevel`
    /// pre-tokenizer without prefix space).
    public init(tokenizerJSON url: URL) throws {
        let file = try TokenizerJSON(url: url)
        let (type, fields) = try file.model()
        guard type == "BPE" else { throw file.unsupported("model type \(type) (expected BPE)") }
        let vocabulary = try file.vocabulary(fields)
        guard let rawMerges = fields["merges"] as? [Any] else { throw file.malformed("\"model.merges\" is missing") }
        var merges: [(String, String)] = []
        merges.reserveCapacity(rawMerges.count)
        for (index, entry) in rawMerges.enumerated() {
            if let pair = entry as? [String], pair.count == 2 {
                merges.append((pair[0], pair[1]))
            } else if let line = entry as? String, let merge = Self.parseMerge(line) {
                merges.append(merge)
            } else {
                throw file.malformed("\"model.merges\"[\(index)] is neither \"left right\" nor [left, right]")
            }
        }
        if (fields["dropout"] as? NSNumber).map({ $0.doubleValue > 0 }) == true {
            throw file.unsupported("BPE dropout")
        }
        let suffix = fields["end_of_word_suffix"] as? String ?? ""
        let prefix = fields["continuing_subword_prefix"] as? String ?? ""
        guard prefix.isEmpty else { throw file.unsupported("BPE continuing_subword_prefix \(prefix.debugDescription)") }
        for (key, meaning) in [("byte_fallback", "BPE byte_fallback"), ("ignore_merges", "BPE ignore_merges"),
                               ("fuse_unk", "BPE fuse_unk")] where fields[key] as? Bool == true {
            throw file.unsupported(meaning)
        }
        let preTokenizer = file.root["pre_tokenizer"] as? [String: Any]
        let flavour: Flavour
        var splitPattern = PreTokenizationPattern.gpt2
        var splitsPiecesAgain = true
        switch preTokenizer?["type"] as? String {
        case "Sequence" where suffix == "</w>":
            let steps = preTokenizer?["pretokenizers"] as? [[String: Any]] ?? []
            let pattern = (steps.first?["pattern"] as? [String: Any])?["Regex"] as? String
            let clipPattern = #"'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"#
            let specialAlternatives = #"<\|startoftext\|>|<\|endoftext\|>|"#
            guard steps.count == 2, steps[0]["type"] as? String == "Split", steps[0]["invert"] as? Bool == true,
                  steps[1]["type"] as? String == "ByteLevel", steps[1]["add_prefix_space"] as? Bool != true,
                  pattern == clipPattern || pattern == specialAlternatives + clipPattern else {
                throw file.unsupported("pre_tokenizer Sequence other than CLIP's Split + ByteLevel "
                    + "(pattern \(pattern?.debugDescription ?? "none"))")
            }
            splitPattern = pattern == clipPattern ? .clipWithoutSpecialTokens : .clip
            splitsPiecesAgain = steps[1]["use_regex"] as? Bool ?? true
            flavour = .clip
        case "ByteLevel" where suffix.isEmpty:
            guard preTokenizer?["add_prefix_space"] as? Bool != true else {
                throw file.unsupported("ByteLevel pre-tokenizer with add_prefix_space")
            }
            guard preTokenizer?["use_regex"] as? Bool != false else {
                throw file.unsupported("ByteLevel pre-tokenizer with use_regex false")
            }
            flavour = .roberta
        default:
            throw file.unsupported("pre_tokenizer \(preTokenizer?["type"] as? String ?? "null") with end_of_word_suffix "
                + "\(suffix.debugDescription) (expected CLIP's Sequence with </w> or RoBERTa's ByteLevel)")
        }
        let normalizer = file.root["normalizer"] as? [String: Any]
        let normalizerSteps = (normalizer?["normalizers"] as? [[String: Any]])?.compactMap { $0["type"] as? String }
        switch flavour {
        case .clip:
            guard normalizer?["type"] as? String == "Sequence", normalizerSteps == ["NFC", "Replace", "Lowercase"] else {
                throw file.unsupported("normalizer \(normalizer?["type"] as? String ?? "null") "
                    + "(CLIP expects Sequence of NFC, Replace, Lowercase)")
            }
        case .roberta:
            guard normalizer == nil else {
                throw file.unsupported("normalizer \(normalizer?["type"] as? String ?? "?") (RoBERTa expects none)")
            }
        }
        let model = try BytePairModel(vocabulary: vocabulary, merges: merges, endOfWordSuffix: suffix,
                                      unknownToken: fields["unk_token"] as? String, source: url.path)
        let template = try file.specialTokenTemplate()
        let padText = flavour == .clip ? "<|endoftext|>" : "<pad>"
        let pad = file.padding()
            ?? vocabulary[exact: padText].map { VocabularyToken(id: $0, text: padText) }
            ?? template.end
        self.init(flavour: flavour, model: model, addedTokens: try file.addedTokens(), template: template, pad: pad,
                  splitPattern: splitPattern, splitsPiecesAgain: splitsPiecesAgain)
    }

    init(flavour: Flavour, model: BytePairModel, addedTokens: [AddedToken], template: SpecialTokenTemplate,
         pad: VocabularyToken, splitPattern: PreTokenizationPattern? = nil, splitsPiecesAgain: Bool = true) {
        self.flavour = flavour
        self.splitPattern = splitPattern ?? (flavour == .clip ? .clip : .gpt2)
        self.splitsPiecesAgain = splitsPiecesAgain
        self.model = model
        self.addedTokens = AddedTokenSplitter(addedTokens)
        self.template = template
        padId = pad.id
        padToken = pad.text
        let largestId = max(model.vocabulary.values.max() ?? -1, addedTokens.map(\.id).max() ?? -1)
        vocabularySize = largestId + 1
    }

    /// `"left right"` split at its one space (by scalars, so a token starting with a combining
    /// mark is not glued to the space).
    static func parseMerge(_ line: String) -> (String, String)? {
        let parts = line.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        return (String(String.UnicodeScalarView(parts[0])), String(String.UnicodeScalarView(parts[1])))
    }

    static func readMerges(_ url: URL) throws -> [(String, String)] {
        var merges: [(String, String)] = []
        for (number, line) in try TokenizerError.readLines(url).enumerated() {
            if line.isEmpty || (number == 0 && line.hasPrefix("#version")) { continue }
            guard let merge = parseMerge(line) else {
                throw TokenizerError.malformedFile(path: url.path,
                                                   reason: "line \(number + 1) is not \"left right\": \(line.debugDescription)")
            }
            merges.append(merge)
        }
        return merges
    }

    public func tokenize(_ text: String) -> [String] {
        modelTokens(text).tokens
    }

    public func encode(_ text: String, maxLength: Int?) -> Encoding {
        template.encode(modelTokens(text), pair: nil, maxLength: maxLength)
    }

    public func encode(_ first: String, pair second: String, maxLength: Int?) -> Encoding {
        template.encode(modelTokens(first), pair: modelTokens(second), maxLength: maxLength)
    }

    func modelTokens(_ text: String) -> TokenSequence {
        var output = TokenSequence()
        for segment in addedTokens.split(Array(text.unicodeScalars)) {
            switch segment {
            case .token(let token, _):
                output.append(id: token.id, token: token.text)
            case .text(let scalars):
                switch flavour {
                case .clip:
                    let normalized = ClipNormalizer.normalize(scalars)
                    for piece in splitPattern.pieces(normalized[...]) {
                        guard splitsPiecesAgain else {
                            model.appendTokens(of: ByteLevelAlphabet.encode(normalized[piece]), to: &output)
                            continue
                        }
                        for word in PreTokenizationPattern.gpt2.pieces(normalized[piece]) {
                            model.appendTokens(of: ByteLevelAlphabet.encode(normalized[word]), to: &output)
                        }
                    }
                case .roberta:
                    for word in splitPattern.pieces(scalars) {
                        model.appendTokens(of: ByteLevelAlphabet.encode(scalars[word]), to: &output)
                    }
                }
            }
        }
        return output
    }
}
