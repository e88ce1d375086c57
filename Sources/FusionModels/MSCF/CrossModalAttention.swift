import NeuralNetwork

/// MSCF's parameter-free cross-modal attention (equations 7-11): every text row attends
/// over all image rows and every image row over all text rows, with the raw dot product as
/// the score (the paper applies no scaling and no projection).
///
/// Att_sm = Emb_T Emb_Iᵀ                              (7)  [B, n, 1+m]
/// Emb_T′ = softmax_rows(Att_sm) Emb_I                (8, 9)  [B, n, d_i]
/// Emb_I′ = softmax_rows(Att_smᵀ) Emb_T               (10, 11)  [B, 1+m, d_i]
enum CrossModalAttention {
    /// `text` Emb_T [B, n, d_i] and `image` Emb_I [B, 1+m, d_i] → (Emb_T′, Emb_I′).
    static func apply(text: Tensor, image: Tensor) -> (textGuided: Tensor, imageGuided: Tensor) {
        let scores = text.matmul(image, transposeOther: true)                      // (7)
        let textGuided = scores.softmax(axis: 2).matmul(image)                     // (8, 9)
        let imageGuided = scores.permuted([0, 2, 1]).softmax(axis: 2).matmul(text) // (10, 11)
        return (textGuided, imageGuided)
    }
}
