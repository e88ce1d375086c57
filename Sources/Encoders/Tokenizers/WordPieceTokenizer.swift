import Foundation

/// BERT's WordPiece tokenizer with exact id parity to Hugging Face `tokenizers`
/// (`BertNormalizer` + `BertPreTokenizer` + `WordPiece` + BERT's `[CLS] A [SEP] B [SEP]` template).
///
/// Each word is split greedily into the longest vocabulary entries, continuation pieces carrying
/// the `##` prefix; a word with no complete split, or longer than `maxInputCharactersPerWord`
/// scalars, becomes `[UNK]`. Special tokens written in the text (`[SEP]`) are kept as themselves.
///
/// ```swift
/// let tokenizer = try WordPieceTokenizer(directory: URL(fileURLWithPath: "all-MiniLM-L6-v2"))
/// let encoding = tokenizer.encode("Café 今天 tokenization", maxLength: 128)
/// // encoding.tokens == ["[CLS]", "cafe", "[UNK]", "天", "token", "##ization", "[SEP]"]
/// // encoding.ids == [101, 7668, 100, 1811, 19204, 3989, 102]
/// ```
public struct WordPieceTokenizer: TextTokenizer {
    /// Normalisation switches, as `BertNormalizer` / `tokenizer_config.json` name them.
    public struct Options: Sendable, Equatable {
        /// `do_lower_case` / `lowercase`.
        public var lowercase: Bool
        /// `strip_accents`; `nil` follows `lowercase`.
        public var stripAccents: Bool?
        /// `tokenize_chinese_chars` / `handle_chinese_chars`.
        public var handleChineseCharacters: Bool
        /// `clean_text`.
        public var cleanText: Bool

        public init(lowercase: Bool = true, stripAccents: Bool? = nil, handleChineseCharacters: Bool = true,
                    cleanText: Bool = true) {
            self.lowercase = lowercase
            self.stripAccents = stripAccents
            self.handleChineseCharacters = handleChineseCharacters
            self.cleanText = cleanText
        }
    }

    public let vocabularySize: Int
    public let padId: Int
    public let padToken: String

    let normalizer: BertNormalizer
    let addedTokens: AddedTokenSplitter
    let template: SpecialTokenTemplate
    let unknown: VocabularyToken
    let continuingPrefix: String
    let maxInputCharactersPerWord: Int
    /// Every vocabulary entry, for pieces that start a word.
    let wordStarts: VocabularyTrie
    /// Entries that begin with the continuing prefix, prefix removed, for pieces inside a word.
    let continuations: VocabularyTrie
    /// Token text of each id.
    let tokenTexts: [Int: String]

    /// Loads a model directory: `tokenizer.json` when present, otherwise `vocab.txt` with the
    /// switches of `tokenizer_config.json` (`do_lower_case`, `strip_accents`, `tokenize_chinese_chars`).
    public init(directory: URL) throws {
        let json = directory.appendingPathComponent("tokenizer.json")
        if FileManager.default.fileExists(atPath: json.path) {
            try self.init(tokenizerJSON: json)
            return
        }
        let vocabFile = directory.appendingPathComponent("vocab.txt")
        var options = Options()
        let config = directory.appendingPathComponent("tokenizer_config.json")
        if FileManager.default.fileExists(atPath: config.path) {
            let data = try TokenizerError.readFile(config)
            guard let fields = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw TokenizerError.malformedFile(path: config.path, reason: "not a JSON object")
            }
            options.lowercase = fields["do_lower_case"] as? Bool ?? true
            options.stripAccents = fields["strip_accents"] as? Bool
            options.handleChineseCharacters = fields["tokenize_chinese_chars"] as? Bool ?? true
        }
        try self.init(vocabFile: vocabFile, options: options)
    }

    /// Loads a `vocab.txt` (one token a line; the line number is the id) with BERT's special
    /// tokens `[PAD] [UNK] [CLS] [SEP] [MASK]`.
    public init(vocabFile: URL, options: Options = Options()) throws {
        var vocabulary: [ExactString: Int] = [:]
        for (index, line) in try TokenizerError.readLines(vocabFile).enumerated() { vocabulary[ExactString(line)] = index }
        if vocabulary.isEmpty {
            throw TokenizerError.malformedFile(path: vocabFile.path, reason: "the vocabulary is empty")
        }
        func special(_ token: String) throws -> VocabularyToken {
            guard let id = vocabulary[exact: token] else {
                throw TokenizerError.missingSpecialToken(path: vocabFile.path, token: token)
            }
            return VocabularyToken(id: id, text: token)
        }
        let added = try ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].map { AddedToken(content: $0, id: try special($0).id) }
        let pad = try special("[PAD]")
        self.init(vocabulary: vocabulary, options: options, addedTokens: added,
                  template: SpecialTokenTemplate(style: .bert, start: try special("[CLS]"), end: try special("[SEP]")),
                  unknown: try special("[UNK]"), pad: pad, continuingPrefix: "##", maxInputCharactersPerWord: 100)
    }

    /// Loads a `tokenizer.json` whose model is `WordPiece` with a `BertNormalizer` (or none) and a
    /// `BertPreTokenizer`.
    public init(tokenizerJSON url: URL) throws {
        let file = try TokenizerJSON(url: url)
        let (type, model) = try file.model()
        guard type == "WordPiece" else { throw file.unsupported("model type \(type) (expected WordPiece)") }
        let vocabulary = try file.vocabulary(model)
        var options = Options(lowercase: false, stripAccents: false, handleChineseCharacters: false, cleanText: false)
        if let normalizer = file.root["normalizer"] as? [String: Any] {
            guard normalizer["type"] as? String == "BertNormalizer" else {
                throw file.unsupported("normalizer \(normalizer["type"] as? String ?? "?") (expected BertNormalizer)")
            }
            options = Options(lowercase: normalizer["lowercase"] as? Bool ?? true,
                              stripAccents: normalizer["strip_accents"] as? Bool,
                              handleChineseCharacters: normalizer["handle_chinese_chars"] as? Bool ?? true,
                              cleanText: normalizer["clean_text"] as? Bool ?? true)
        }
        let preTokenizer = (file.root["pre_tokenizer"] as? [String: Any])?["type"] as? String
        guard preTokenizer == "BertPreTokenizer" else {
            throw file.unsupported("pre_tokenizer \(preTokenizer ?? "null") (expected BertPreTokenizer)")
        }
        let unknownText = model["unk_token"] as? String ?? "[UNK]"
        guard let unknownId = vocabulary[exact: unknownText] else {
            throw TokenizerError.missingSpecialToken(path: url.path, token: unknownText)
        }
        let added = try file.addedTokens()
        let template = try file.specialTokenTemplate()
        guard template.style == .bert else { throw file.unsupported("a RobertaProcessing post-processor on WordPiece") }
        let padText = "[PAD]"
        let pad = file.padding()
            ?? vocabulary[exact: padText].map { VocabularyToken(id: $0, text: padText) }
            ?? VocabularyToken(id: 0, text: padText)
        self.init(vocabulary: vocabulary, options: options, addedTokens: added, template: template,
                  unknown: VocabularyToken(id: unknownId, text: unknownText), pad: pad,
                  continuingPrefix: model["continuing_subword_prefix"] as? String ?? "##",
                  maxInputCharactersPerWord: (model["max_input_chars_per_word"] as? NSNumber)?.intValue ?? 100)
    }

    init(vocabulary: [ExactString: Int], options: Options, addedTokens: [AddedToken], template: SpecialTokenTemplate,
         unknown: VocabularyToken, pad: VocabularyToken, continuingPrefix: String, maxInputCharactersPerWord: Int) {
        normalizer = BertNormalizer(cleanText: options.cleanText, handleChineseCharacters: options.handleChineseCharacters,
                                    stripAccents: options.stripAccents, lowercase: options.lowercase)
        self.addedTokens = AddedTokenSplitter(addedTokens)
        self.template = template
        self.unknown = unknown
        self.continuingPrefix = continuingPrefix
        self.maxInputCharactersPerWord = maxInputCharactersPerWord
        padId = pad.id
        padToken = pad.text
        var wordStarts = VocabularyTrie()
        var continuations = VocabularyTrie()
        var tokenTexts: [Int: String] = [:]
        let prefixScalars = Array(continuingPrefix.unicodeScalars)
        for (entry, id) in vocabulary {
            let scalars = Array(entry.text.unicodeScalars)
            wordStarts.insert(scalars, id: id)
            if !prefixScalars.isEmpty && scalars.count > prefixScalars.count && scalars.starts(with: prefixScalars) {
                continuations.insert(scalars.dropFirst(prefixScalars.count), id: id)
            }
            tokenTexts[id] = entry.text
        }
        self.wordStarts = wordStarts
        self.continuations = continuations
        self.tokenTexts = tokenTexts
        let largestId = max(vocabulary.values.max() ?? -1, addedTokens.map(\.id).max() ?? -1)
        vocabularySize = largestId + 1
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
        var output = TokenSequence(tracksOffsets: true)
        for segment in addedTokens.split(Array(text.unicodeScalars)) {
            switch segment {
            case .token(let token, let range):
                output.append(id: token.id, token: token.text, offset: range)
            case .text(let scalars):
                let (normalized, origins) = normalizer.normalizeAligned(scalars)
                for word in BertPreTokenizer.words(normalized) { appendWordPieces(word, origins: origins, to: &output) }
            }
        }
        return output
    }

    /// Greedy longest-match-first split of one word; the whole word is `[UNK]` when any part fails.
    /// `origins` maps each normalised scalar to its index in the text (for offsets).
    func appendWordPieces(_ word: ArraySlice<Unicode.Scalar>, origins: [Int], to output: inout TokenSequence) {
        guard let last = word.indices.last else { return }
        let wordOffset = origins[word.startIndex]..<(origins[last] + 1)
        if word.count > maxInputCharactersPerWord {
            output.append(id: unknown.id, token: unknown.text, offset: wordOffset)
            return
        }
        var pieces = TokenSequence(tracksOffsets: true)
        var start = word.startIndex
        while start < word.endIndex {
            let trie = start == word.startIndex ? wordStarts : continuations
            guard let match = trie.longestMatch(in: word, from: start) else {
                output.append(id: unknown.id, token: unknown.text, offset: wordOffset)
                return
            }
            pieces.append(id: match.id, token: tokenTexts[match.id] ?? unknown.text,
                          offset: origins[start]..<(origins[match.end - 1] + 1))
            start = match.end
        }
        output.ids += pieces.ids
        output.tokens += pieces.tokens
        output.offsets? += pieces.offsets ?? []
    }
}
