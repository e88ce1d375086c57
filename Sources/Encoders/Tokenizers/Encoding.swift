/// The model input for one text or one text pair, as Hugging Face `tokenizers` builds it.
///
/// All arrays have the same length: special tokens included, padding included.
/// `tokenTypeIds` is 0 for the first sequence (and its special tokens) and 1 for the second
/// sequence of a pair where the model uses segment ids (BERT); `attentionMask` is 1 for real
/// tokens and 0 for padding.
public struct Encoding: Equatable, Sendable {
    public var ids: [Int]
    public var tokenTypeIds: [Int]
    public var attentionMask: [Int]
    public var tokens: [String]
    /// For each position, the range of Unicode scalar (code point) indices of the input text the
    /// token comes from, as `transformers`' `offset_mapping`; `0..<0` for special and padding
    /// tokens; in a pair, ranges index each token's own text. `nil` where the tokenizer does not
    /// compute offsets (`BytePairTokenizer`).
    public var offsets: [Range<Int>]?

    public init(ids: [Int], tokenTypeIds: [Int], attentionMask: [Int], tokens: [String], offsets: [Range<Int>]? = nil) {
        self.ids = ids
        self.tokenTypeIds = tokenTypeIds
        self.attentionMask = attentionMask
        self.tokens = tokens
        self.offsets = offsets
    }

    /// Number of positions, padding included.
    public var count: Int { ids.count }

    /// This encoding with padding appended on the right up to `length` positions
    /// (unchanged when it is already that long or longer). Padding has type id 0 and mask 0.
    public func padded(to length: Int, padId: Int, padToken: String) -> Encoding {
        let missing = length - ids.count
        guard missing > 0 else { return self }
        var result = self
        result.ids += Array(repeating: padId, count: missing)
        result.tokenTypeIds += Array(repeating: 0, count: missing)
        result.attentionMask += Array(repeating: 0, count: missing)
        result.tokens += Array(repeating: padToken, count: missing)
        result.offsets = offsets.map { $0 + Array(repeating: 0..<0, count: missing) }
        return result
    }
}
