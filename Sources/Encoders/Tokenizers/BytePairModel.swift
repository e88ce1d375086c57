import Foundation

/// The byte-pair-encoding model of `tokenizers` (`models.BPE` without dropout): a word's symbols
/// are merged pair by pair, always the adjacent pair with the lowest merge rank first (leftmost
/// on ties), until no listed merge applies. Results are cached per word.
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
            let key = Self.pairKey(leftId, rightId)
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
        return mergeAll(symbols)
    }

    /// `tokenizers`' `Word::merge_all`: a queue of candidate merges ordered by (rank, position);
    /// popping the best one merges it if it is still current and queues the two pairs it forms
    /// with its neighbours. O(n log n) in the word's length.
    private func mergeAll(_ initial: [Int]) -> [Int] {
        guard initial.count > 1 else { return initial }
        var ids = initial
        var previous = Array(-1..<(initial.count - 1))
        var next = Array(1...initial.count)
        next[initial.count - 1] = -1
        var removed = [Bool](repeating: false, count: initial.count)
        var queue = MergeQueue()
        for position in 0..<(ids.count - 1) {
            if let merge = merges[Self.pairKey(ids[position], ids[position + 1])] {
                queue.push(rank: merge.rank, position: position, result: merge.result)
            }
        }
        while let top = queue.pop() {
            let position = top.position
            if removed[position] { continue }
            let right = next[position]
            if right < 0 { continue }
            guard let current = merges[Self.pairKey(ids[position], ids[right])], current.result == top.result else {
                continue
            }
            ids[position] = top.result
            removed[right] = true
            let afterRight = next[right]
            next[position] = afterRight
            if afterRight >= 0 { previous[afterRight] = position }
            let left = previous[position]
            if left >= 0, let merge = merges[Self.pairKey(ids[left], ids[position])] {
                queue.push(rank: merge.rank, position: left, result: merge.result)
            }
            if afterRight >= 0, let merge = merges[Self.pairKey(ids[position], ids[afterRight])] {
                queue.push(rank: merge.rank, position: position, result: merge.result)
            }
        }
        var result: [Int] = []
        result.reserveCapacity(ids.count)
        for position in ids.indices where !removed[position] { result.append(ids[position]) }
        return result
    }

    @inline(__always)
    static func pairKey(_ left: Int, _ right: Int) -> UInt64 {
        UInt64(truncatingIfNeeded: left) << 32 | UInt64(truncatingIfNeeded: right) & 0xFFFF_FFFF
    }
}

/// A binary min-heap of candidate merges ordered by rank, then position.
struct MergeQueue {
    struct Entry {
        var rank: Int
        var position: Int
        var result: Int

        @inline(__always)
        func precedes(_ other: Entry) -> Bool {
            rank != other.rank ? rank < other.rank : position < other.position
        }
    }

    private var heap: [Entry] = []

    mutating func push(rank: Int, position: Int, result: Int) {
        heap.append(Entry(rank: rank, position: position, result: result))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        guard !heap.isEmpty else { return first }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var best = parent
            if left < heap.count && heap[left].precedes(heap[best]) { best = left }
            if right < heap.count && heap[right].precedes(heap[best]) { best = right }
            if best == parent { break }
            heap.swapAt(parent, best)
            parent = best
        }
        return first
    }
}
