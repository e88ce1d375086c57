/// A vocabulary token: its id and its text.
struct VocabularyToken: Sendable, Equatable {
    var id: Int
    var text: String
}

/// Model tokens of one text before special tokens are added: parallel ids and token texts.
struct TokenSequence: Sendable, Equatable {
    var ids: [Int] = []
    var tokens: [String] = []
    /// Scalar ranges in the input text, when the tokenizer tracks them.
    var offsets: [Range<Int>]?

    init(tracksOffsets: Bool = false) {
        offsets = tracksOffsets ? [] : nil
    }

    var count: Int { ids.count }

    mutating func append(id: Int, token: String, offset: Range<Int> = 0..<0) {
        ids.append(id)
        tokens.append(token)
        offsets?.append(offset)
    }

    /// Keeps the first `length` tokens (truncation from the right, as Hugging Face's default).
    func prefix(_ length: Int) -> TokenSequence {
        guard length < ids.count else { return self }
        let kept = max(0, length)
        var result = self
        result.ids = Array(ids.prefix(kept))
        result.tokens = Array(tokens.prefix(kept))
        result.offsets = offsets.map { Array($0.prefix(kept)) }
        return result
    }
}

/// How special tokens wrap one sequence or a pair (Hugging Face's post-processors).
///
/// - `bert` (`TemplateProcessing` of BERT): `[CLS] A [SEP]` and `[CLS] A [SEP] B [SEP]`, type ids 0
///   for `[CLS] A [SEP]` and 1 for `B [SEP]`.
/// - `roberta` (`RobertaProcessing`, also CLIP's): `<s> A </s>` and `<s> A </s> </s> B </s>`,
///   every type id 0.
struct SpecialTokenTemplate: Sendable {
    enum Style: Sendable { case bert, roberta }

    var style: Style
    var start: VocabularyToken
    var end: VocabularyToken

    /// Number of special tokens added around one sequence or a pair.
    func addedCount(pair: Bool) -> Int {
        switch style {
        case .bert: return pair ? 3 : 2
        case .roberta: return pair ? 4 : 2
        }
    }

    /// Truncates (`maxLength` counts the special tokens) and wraps the sequences.
    ///
    /// Pairs are truncated "longest first" exactly as `tokenizers`' `truncate_encodings`:
    /// with `n1 <= n2` the shorter and `m` the room left, the shorter keeps
    /// `n1` (or `m / 2` when both exceed half) and the longer keeps the rest.
    func encode(_ first: TokenSequence, pair second: TokenSequence?, maxLength: Int?) -> Encoding {
        var first = first
        var second = second
        if let maxLength {
            let room = max(0, maxLength - addedCount(pair: second != nil))
            if let pairSequence = second {
                let (keepFirst, keepSecond) = Self.longestFirstLengths(
                    first.count, pairSequence.count, room: room)
                first = first.prefix(keepFirst)
                second = pairSequence.prefix(keepSecond)
            } else {
                first = first.prefix(room)
            }
        }
        let none: Range<Int> = 0..<0
        var ids = [start.id] + first.ids + [end.id]
        var tokens = [start.text] + first.tokens + [end.text]
        var offsets = first.offsets.map { [none] + $0 + [none] }
        var typeIds = Array(repeating: 0, count: ids.count)
        if let second {
            switch style {
            case .bert:
                ids += second.ids + [end.id]
                tokens += second.tokens + [end.text]
                offsets = offsets.flatMap { head in second.offsets.map { head + $0 + [none] } }
                typeIds += Array(repeating: 1, count: second.count + 1)
            case .roberta:
                ids += [end.id] + second.ids + [end.id]
                tokens += [end.text] + second.tokens + [end.text]
                offsets = offsets.flatMap { head in second.offsets.map { head + [none] + $0 + [none] } }
                typeIds += Array(repeating: 0, count: second.count + 2)
            }
        }
        return Encoding(ids: ids, tokenTypeIds: typeIds, attentionMask: Array(repeating: 1, count: ids.count),
                        tokens: tokens, offsets: offsets)
    }

    /// Lengths kept for a pair of `firstCount` and `secondCount` tokens within `room` positions.
    static func longestFirstLengths(_ firstCount: Int, _ secondCount: Int, room: Int) -> (Int, Int) {
        guard firstCount + secondCount > room else { return (firstCount, secondCount) }
        let swapped = firstCount > secondCount
        var shorter = swapped ? secondCount : firstCount
        var longer: Int
        if shorter > room {
            longer = shorter
        } else {
            longer = max(shorter, room - shorter)
        }
        if shorter + longer > room {
            shorter = room / 2
            longer = shorter + room % 2
        }
        return swapped ? (longer, shorter) : (shorter, longer)
    }
}
