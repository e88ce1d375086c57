/// A trie over the Unicode scalars of vocabulary entries, for WordPiece's longest-match search.
///
/// Edges live in one hash table keyed by `(node << 21) | scalar`; `longestMatch` walks from a
/// position and returns the longest entry that starts there, exactly the piece WordPiece's
/// "shrink the end one scalar at a time" loop finds, in one pass.
struct VocabularyTrie: Sendable {
    private var edges: [UInt64: Int32] = [:]
    private var entryIds: [Int32] = [-1]

    /// Adds `entry` (its scalars) with `id`.
    mutating func insert<Scalars: Sequence>(_ entry: Scalars, id: Int) where Scalars.Element == Unicode.Scalar {
        var node: Int32 = 0
        for scalar in entry {
            let key = UInt64(node) << 21 | UInt64(scalar.value)
            if let child = edges[key] {
                node = child
            } else {
                let child = Int32(entryIds.count)
                entryIds.append(-1)
                edges[key] = child
                node = child
            }
        }
        entryIds[Int(node)] = Int32(id)
    }

    @inline(__always)
    func child(of node: Int32, _ scalar: Unicode.Scalar) -> Int32? { edges[UInt64(node) << 21 | UInt64(scalar.value)] }

    @inline(__always)
    func entryId(_ node: Int32) -> Int? { entryIds[Int(node)] >= 0 ? Int(entryIds[Int(node)]) : nil }

    /// The end index and id of the longest entry equal to `scalars[start..<end]` for some `end`.
    @inline(__always)
    func longestMatch(in scalars: ArraySlice<Unicode.Scalar>, from start: Int) -> (end: Int, id: Int)? {
        var node: Int32 = 0
        var best: (end: Int, id: Int)?
        var index = start
        while index < scalars.endIndex {
            guard let child = edges[UInt64(node) << 21 | UInt64(scalars[index].value)] else { break }
            node = child
            index += 1
            let id = entryIds[Int(node)]
            if id >= 0 { best = (index, Int(id)) }
        }
        return best
    }
}

extension VocabularyTrie {
    /// Every entry that starts at `start` (common-prefix search), shortest first, as
    /// (end index, id): the candidate pieces of SentencePiece's unigram lattice.
    func allMatches(in scalars: [Unicode.Scalar], from start: Int) -> [(end: Int, id: Int)] {
        var node: Int32 = 0
        var result: [(end: Int, id: Int)] = []
        var index = start
        while index < scalars.count {
            guard let child = child(of: node, scalars[index]) else { break }
            node = child
            index += 1
            if let id = entryId(node) { result.append((index, id)) }
        }
        return result
    }
}
