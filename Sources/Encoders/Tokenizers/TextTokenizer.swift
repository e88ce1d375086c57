/// A tokenizer that turns text into model input ids with exact parity to Hugging Face
/// `tokenizers` (the fast tokenizers of `transformers`).
///
/// ```swift
/// let tokenizer = try WordPieceTokenizer(directory: modelDirectory)
/// let encoding = tokenizer.encode("Breaking news! 今天", maxLength: 128)
/// // encoding.ids == [101, ..., 102]
/// ```
public protocol TextTokenizer: Sendable {
    /// Number of ids the model's embedding table must hold (vocabulary plus added tokens).
    var vocabularySize: Int { get }
    /// Id used for padding positions.
    var padId: Int { get }
    /// Token text used for padding positions.
    var padToken: String { get }

    /// Model tokens of `text` without special tokens (normalisation, pre-tokenisation, model).
    func tokenize(_ text: String) -> [String]

    /// `text` wrapped in the model's special tokens. With `maxLength`, the text's tokens are cut
    /// so the whole encoding (special tokens included) has at most `maxLength` positions.
    func encode(_ text: String, maxLength: Int?) -> Encoding

    /// A text pair wrapped in the model's special tokens, truncated "longest first" to
    /// `maxLength` positions when given.
    func encode(_ first: String, pair second: String, maxLength: Int?) -> Encoding
}

extension TextTokenizer {
    /// `encode(text, maxLength:)` padded on the right to exactly `length` positions
    /// (the text is truncated to `length` first).
    public func encode(_ text: String, paddedTo length: Int) -> Encoding {
        encode(text, maxLength: length).padded(to: length, padId: padId, padToken: padToken)
    }

    /// Encodes raw bytes: invalid UTF-8 is replaced by U+FFFD (maximal subparts, like Python's
    /// `bytes.decode("utf-8", errors="replace")`), then encoded as text. Never traps.
    public func encode<Bytes: Collection>(bytes: Bytes, maxLength: Int?) -> Encoding where Bytes.Element == UInt8 {
        encode(String(decoding: bytes, as: UTF8.self), maxLength: maxLength)
    }

    /// Encodes each text and pads every encoding to the longest one (`padding="longest"`).
    /// Padding positions carry `padId`, type id 0 and attention mask 0.
    public func encodeBatch(_ texts: [String], maxLength: Int?) -> [Encoding] {
        let encodings = texts.map { encode($0, maxLength: maxLength) }
        let longest = encodings.map(\.count).max() ?? 0
        return encodings.map { $0.padded(to: longest, padId: padId, padToken: padToken) }
    }
}
