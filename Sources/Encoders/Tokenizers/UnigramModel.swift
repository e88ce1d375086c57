import Foundation

/// SentencePiece's unigram language model as Hugging Face `tokenizers` runs it
/// (`models::unigram`): each piece has a log-probability score, and a word is split into
/// the sequence of pieces with the highest total score (Viterbi over the lattice of every
/// vocabulary piece that matches at every position).
///
/// A scalar that no single-scalar piece covers gets an unknown node scored
/// `min(score) − 10`; consecutive unknown scalars fuse into one unknown token. With byte
/// fallback, an unknown stretch becomes the `<0xXX>` pieces of its UTF-8 bytes instead.
struct UnigramModel: Sendable {
    /// Piece text by id.
    let pieces: [String]
    /// Log-probability by id.
    let scores: [Double]
    let unknownId: Int
    let byteFallback: Bool
    private let trie: VocabularyTrie
    private let unknownScore: Double
    private let byteIds: [Int]?

    /// Penalty below the lowest piece score given to unknown scalars (`K_UNK_PENALTY`).
    static let unknownPenalty = 10.0

    init(pieces: [String], scores: [Double], unknownId: Int, byteFallback: Bool) {
        self.pieces = pieces
        self.scores = scores
        self.unknownId = unknownId
        self.byteFallback = byteFallback
        var trie = VocabularyTrie()
        var seen = Set<ExactString>()
        for (id, piece) in pieces.enumerated() where !piece.isEmpty && seen.insert(ExactString(piece)).inserted {
            trie.insert(piece.unicodeScalars, id: id)
        }
        self.trie = trie
        unknownScore = (scores.min() ?? 0) - Self.unknownPenalty
        if byteFallback {
            let index = Dictionary(pieces.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            let ids = (0..<256).compactMap { index[String(format: "<0x%02X>", $0)] }
            byteIds = ids.count == 256 ? ids : nil
        } else {
            byteIds = nil
        }
    }

    /// The best segmentation of `word` as (id, piece text) pairs.
    func segment(_ word: [Unicode.Scalar]) -> [(id: Int, token: String)] {
        let count = word.count
        guard count > 0 else { return [] }
        // best[end]: highest score of a path covering word[0..<end], its last piece's start and id.
        var bestScore = [Double](repeating: 0, count: count + 1)
        var bestStart = [Int](repeating: -1, count: count + 1)
        var bestId = [Int](repeating: -1, count: count + 1)
        var reached = [Bool](repeating: false, count: count + 1)
        reached[0] = true
        for start in 0..<count where reached[start] {
            var hasSingle = false
            for match in trie.allMatches(in: word, from: start) {
                if match.end == start + 1 { hasSingle = true }
                relax(start: start, end: match.end, score: scores[match.id], id: match.id,
                      &bestScore, &bestStart, &bestId, &reached)
            }
            if !hasSingle {
                relax(start: start, end: start + 1, score: unknownScore, id: unknownId,
                      &bestScore, &bestStart, &bestId, &reached)
            }
        }
        var path: [(start: Int, end: Int, id: Int)] = []
        var end = count
        while end > 0 {
            let start = bestStart[end]
            path.append((start, end, bestId[end]))
            end = start
        }
        path.reverse()
        var result: [(id: Int, token: String)] = []
        var index = 0
        while index < path.count {
            guard path[index].id == unknownId else {
                result.append((path[index].id, pieces[path[index].id]))
                index += 1
                continue
            }
            var last = index
            while last + 1 < path.count && path[last + 1].id == unknownId { last += 1 }
            if let byteIds {
                var text = String.UnicodeScalarView()
                text.append(contentsOf: word[path[index].start..<path[last].end])
                for byte in String(text).utf8 { result.append((byteIds[Int(byte)], pieces[byteIds[Int(byte)]])) }
            } else {
                result.append((unknownId, pieces[unknownId]))
            }
            index = last + 1
        }
        return result
    }

    /// Viterbi update: the path through a piece [start, end) replaces the best path ending at
    /// `end` only when strictly better (earlier-starting pieces win ties, as `tokenizers`).
    private func relax(start: Int, end: Int, score: Double, id: Int, _ bestScore: inout [Double],
                       _ bestStart: inout [Int], _ bestId: inout [Int], _ reached: inout [Bool]) {
        let total = bestScore[start] + score
        if !reached[end] || total > bestScore[end] {
            reached[end] = true
            bestScore[end] = total
            bestStart[end] = start
            bestId[end] = id
        }
    }
}
