import NeuralNetwork

/// INFIG's alignment losses (sections 3.2, 3.3).
enum Alignment {
    /// Rows scaled to unit L2 norm (F.normalize, ε = 1e-12) along the last axis.
    static func normalized(_ x: Tensor) -> Tensor {
        x / (x * x).sum(axis: x.rank - 1, keepDims: true).clamped(min: 1e-24).sqrt()
    }

    /// The sum of the `j` largest entries along the last axis [..., n] → [...], with the
    /// k-th largest kept only where `keep[k]` (broadcast to [...]) is 1.
    static func topSum(_ x: Tensor, j: Int, keep: (Int) -> Tensor?) -> Tensor {
        var remaining = x
        var total: Tensor?
        let n = x.shape[x.rank - 1]
        for rank in 0..<Swift.min(j, n) {
            let (values, indices) = remaining.max(axis: x.rank - 1)
            let kept = keep(rank).map { values * $0 } ?? values
            total = total.map { $0 + kept } ?? kept
            if rank + 1 < j {
                let picked = Tensor(shape: x.shape) { mask in
                    mask.initialize(repeating: 0)
                    for (row, index) in indices.enumerated() { mask[row * n + index] = 1 }
                }
                remaining = remaining.maskedFill(picked, with: -1e4)
            }
        }
        return total ?? x.sum(axis: x.rank - 1) * 0
    }

    /// One layer of the hierarchical fine-grained alignment (equations 3-5), L_I + L_T.
    ///
    /// images [B, n_i, d] and texts [B, n_t, d] are token vectors ([CLS] excluded),
    /// `textValid` [B][n_t] marks the non-padding text tokens. With σ the cosine similarity:
    /// S_p2q = 1/(j n_i) Σ_k Σ top_j over the valid l of σ(i_k^p, t_l^q)
    /// S_q2p = 1/(j n_t^q) Σ over the valid l of Σ top_j over k of σ(t_l^q, i_k^p)
    /// L_I = CE(S_p2q / τ, p), L_T = CE(S_q2p / τ, q), averaged over the batch.
    /// A text with fewer than j valid tokens sums all of them and divides by their count.
    /// Returns (L_I + L_T, S_p2q [B, B]).
    static func fineGrainedLoss(images: Tensor, texts: Tensor, textValid: [[Bool]], j: Int,
                                temperature: Float) throws -> (loss: Tensor, imageToText: Tensor) {
        let b = images.shape[0], ni = images.shape[1], nt = texts.shape[1], d = images.shape[2]
        let image = normalized(images).reshaped([b * ni, d])
        let text = normalized(texts).reshaped([b * nt, d])
        let similarity = image.matmul(text, transposeOther: true).reshaped([b, ni, b, nt])   // [p, k, q, l]
        let validCounts = textValid.map { $0.filter { $0 }.count }
        let padding = Tensor(shape: [1, 1, b, nt], scalars: textValid.flatMap { $0.map { $0 ? 0 : 1 } })
        // i2t: for image p, token k and text q, the top-j over q's valid tokens.
        let imageToTextTokens = topSum(similarity.maskedFill(padding, with: -1e4), j: j) { rank in
            Tensor(shape: [1, 1, b], scalars: validCounts.map { rank < $0 ? 1 : 0 })
        }                                                                                      // [p, k, q]
        let effectiveJ = validCounts.map { Float(Swift.max(1, Swift.min(j, $0))) }
        let imageToText = imageToTextTokens.sum(axis: 1)
            / Tensor(shape: [1, b], scalars: effectiveJ.map { $0 * Float(ni) })                 // S_p2q [p, q]
        // t2i: for text q, token l and image p, the top-j over p's image tokens.
        let byText = similarity.permuted([2, 3, 0, 1])                                           // [q, l, p, k]
        let textToImageTokens = topSum(byText, j: j) { _ in nil }                               // [q, l, p]
        let validMask = Tensor(shape: [b, nt, 1], scalars: textValid.flatMap { $0.map { $0 ? 1 : 0 } })
        let jImage = Float(Swift.min(j, ni))
        let textToImage = (textToImageTokens * validMask).sum(axis: 1)
            / Tensor(shape: [b, 1], scalars: validCounts.map { Float(Swift.max(1, $0)) * jImage })  // S_q2p [q, p]
        let targets = Array(0..<b)
        let loss = CrossEntropyLoss()
        let total = try loss(imageToText / temperature, targets: targets) + loss(textToImage / temperature, targets: targets)
        return (total, imageToText)
    }
}
