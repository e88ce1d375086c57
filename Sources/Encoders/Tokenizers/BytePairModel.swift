import Foundation

/// The byte-pair-encoding model of `tokenizers` (`models.BPE` without dropout): a word's symbols
/// are merged pair by pair, always the adjacent pair with the lowest merge rank first, until no
/// listed merge applies. Results are cached per word.
final class BytePairModel: @unchecked Sendable {
    struct Merge {
        var rank: Int
        var result: Int
    }

    let vocabulary: [ExactString: Int]
    let tokenTexts: [Int: String]
    /// `(left id, right id)` packed as `left << 32 | right`.
    let merges: [UInt64: Merge]
    let endOfWordSuffix: String
    let unknown: VocabularyToken?

    private let cacheLock = NSLock()
    private var cache: [ExactString: [Int]] = [:]
    private static let cacheCapacity = 10_000

    /// `merges` are pairs of token texts in rank order; every pair and its concatenation must be
    /// in the vocabulary (`source` names the file in errors).
    init(vocabulary: [ExactString: Int], merges: [(String, String)], endOfWordSuffix: String,
         unknownToken: String?, source: String) throws {
        self.vocabulary = vocabulary
        var texts: [Int: String] = [:]
        for (token, id) in vocabulary { texts[id] = token.text }
        tokenTexts = texts
        var table: [UInt64: Merge] = [:]
        table.reserveCapacity(merges.count)
        for (rank, (left, right)) in merges.enumerated() {
            guard let leftId = vocabulary[exact: left], let rightId = vocabulary[exact: right] else {
                throw TokenizerError.malformedFile(
                    path: source, reason: "merge \(rank + 1) \"\(left) \(right)\" uses a token missing from the vocabulary")
            }
            guard let result = vocabulary[exact: left + right] else {
                throw TokenizerError.malformedFile(
                    path: source, reason: "merge \(rank + 1) \"\(left) \(right)\" makes \(left + right), which is not in the vocabulary")
            }
            let key = UInt64(leftId) << 32 | UInt64(rightId)
            if table[key] == nil { table[key] = Merge(rank: rank, result: result) }
        }
        self.merges = table
        self.endOfWordSuffix = endOfWordSuffix
        if let unknownToken {
            guard let id = vocabulary[exact: unknownToken] else {
                throw TokenizerError.missingSpecialToken(path: source, token: unknownToken)
            }
            unknown = VocabularyToken(id: id, text: unknownToken)
        } else {
            unknown = nil
        }
    }

    /// Appends the tokens of one pre-tokenized, byte-level word.
    func appendTokens(of word: String, to output: inout TokenSequence) {
        for id in ids(of: word) { output.append(id: id, token: tokenTexts[id] ?? "") }
    }

    func ids(of word: String) -> [Int] {
        let key = ExactString(word)
        cacheLock.lock()
        let cached = cache[key]
        cacheLock.unlock()
        if let cached { return cached }
        let result = merge(word)
        cacheLock.lock()
        if cache.count >= Self.cacheCapacity { cache.removeAll(keepingCapacity: true) }
        cache[key] = result
        cacheLock.unlock()
        return result
    }

    private func merge(_ word: String) -> [Int] {
        let scalars = Array(word.unicodeScalars)
        var symbols: [Int] = []
        symbols.reserveCapacity(scalars.count)
        for (index, scalar) in scalars.enumerated() {
            var text = String(scalar)
            if index == scalars.count - 1 { text += endOfWordSuffix }
            if let id = vocabulary[exact: text] {
                symbols.append(id)
            } else if let unknown {
                symbols.append(unknown.id)
            }
        }
        while symbols.count > 1 {
            var best: Merge?
            var bestPair: UInt64 = 0
            for index in 0..<(symbols.count - 1) {
                let key = UInt64(symbols[index]) << 32 | UInt64(symbols[index + 1])
                if let merge = merges[key], merge.rank < (best?.rank ?? Int.max) {
                    best = merge
                    bestPair = key
                }
            }
            guard let best else { break }
            var merged: [Int] = []
            merged.reserveCapacity(symbols.count)
            var index = 0
            while index < symbols.count {
                if index + 1 < symbols.count, UInt64(symbols[index]) << 32 | UInt64(symbols[index + 1]) == bestPair {
                    merged.append(best.result)
                    index += 2
                } else {
                    merged.append(symbols[index])
                    index += 1
                }
            }
            symbols = merged
        }
        return symbols
    }
}
