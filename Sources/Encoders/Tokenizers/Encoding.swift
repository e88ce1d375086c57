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

    public init(ids: [Int], tokenTypeIds: [Int], attentionMask: [Int], tokens: [String]) {
        self.ids = ids
        self.tokenTypeIds = tokenTypeIds
        self.attentionMask = attentionMask
        self.tokens = tokens
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
        return result
    }
}
