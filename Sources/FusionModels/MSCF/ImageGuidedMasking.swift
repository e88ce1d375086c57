import NeuralNetwork

/// MSCF's masking module (equations 17-20): in each sample, the tokens most similar to the
/// image's global vector are masked instead of random ones.
///
/// S_m = softmax(Emb_global Emb_Tᵀ)                                   (18)  [B, 1, n]
/// in_set = the k positions of largest S_m among the maskable tokens  (19)
/// k = max(1, ⌊mlm · (number of maskable tokens)⌋)
///
/// Maskable tokens: ids not in `specialTokenIds` ([PAD], [CLS], [SEP]) of a sample whose
/// text is present. Softmax is monotone, so the selection ranks the raw scores; ties go to
/// the earlier position.
enum ImageGuidedMasking {
    /// The positions to mask per sample, ascending, from `scores` [B, n] (the scores of
    /// equation 18), `tokenIds` [B][n], the mask `rate` and the text presence per sample.
    static func select(scores: Tensor, tokenIds: [[Int]], rate: Float, specialTokenIds: Set<Int>,
                       textPresent: [Bool]) -> [[Int]] {
        let length = scores.shape[1]
        let values = scores.scalars
        return tokenIds.indices.map { sample in
            guard textPresent[sample] else { return [] }
            let candidates = (0..<length).filter { !specialTokenIds.contains(tokenIds[sample][$0]) }
            guard !candidates.isEmpty else { return [] }
            let count = Swift.max(1, Int((rate * Float(candidates.count)).rounded(.down)))
            let ranked = candidates.sorted {
                let a = values[sample * length + $0], b = values[sample * length + $1]
                return a != b ? a > b : $0 < $1
            }
            return Array(ranked.prefix(count)).sorted()
        }
    }
}
