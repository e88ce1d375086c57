import NeuralNetwork

/// Multi-head scaled dot-product attention over already projected queries, keys and values
/// (equations 8 and 9 before the output projection): [B, Lq, D], [B, Lk, D], [B, Lk, D] →
/// concat(head₁ … head_h) [B, Lq, D], headⱼ = softmax(Qⱼ Kⱼᵀ / √(D/h)) Vⱼ.
func projectedAttention(query: Tensor, key: Tensor, value: Tensor, headCount: Int) -> Tensor {
    let batch = query.shape[0], queryLength = query.shape[1], keyLength = key.shape[1], width = query.shape[2]
    let size = width / headCount
    func heads(_ x: Tensor, _ length: Int) -> Tensor {
        x.reshaped([batch, length, headCount, size]).permuted([0, 2, 1, 3])
    }
    let scores = heads(query, queryLength).matmul(heads(key, keyLength), transposeOther: true)
        * (1 / Float(size).squareRoot())
    let context = scores.softmax(axis: 3).matmul(heads(value, keyLength))          // (8, 9)
    return context.permuted([0, 2, 1, 3]).reshaped([batch, queryLength, width])
}

/// SG-MFT's feed-forward block with residual and LayerNorm (equations 15 and 16):
/// F^S = LN(ReLU(X W₁ + X_inter W₃ + b₁) W₂ + b₂ + X). Without `similarity` (W₃) it is the
/// conventional block applied to the other modality.
/// Keys: `input` (W₁, b₁ [d_h, D]), `similarity` (W₃ [d_h, D], no bias), `output` (W₂, b₂), `norm`.
final class SimilarityFeedForward: Module {
    var isTraining = true
    let input: Linear
    let similarity: Linear?
    let output: Linear
    let norm: LayerNorm

    init(dimension: Int, hidden: Int, similarityAware: Bool, generator: inout RandomGenerator) {
        input = Linear(inputSize: dimension, outputSize: hidden, generator: &generator)
        similarity = similarityAware ? Linear(inputSize: dimension, outputSize: hidden, bias: false, generator: &generator) : nil
        output = Linear(inputSize: hidden, outputSize: dimension, generator: &generator)
        norm = LayerNorm(dimension: dimension)
    }

    var children: [(String, any Module)] {
        var result: [(String, any Module)] = [("input", input)]
        if let similarity { result.append(("similarity", similarity)) }
        return result + [("output", output), ("norm", norm)]
    }

    /// `x` X^C [B, L, D] and, for the similarity-aware block, `interaction` X_inter [B, L, D].
    func callAsFunction(_ x: Tensor, interaction: Tensor?) -> Tensor {
        var hidden = input(x)
        if let similarity, let interaction { hidden = hidden + similarity(interaction) }  // (15)
        return norm(output(hidden.relu()) + x)                                          // (16)
    }
}

/// SG-MFT's Similarity-guided Interaction Module (section 3.2.1): the similarity-aware
/// feature interpolation attention of both modalities and the two feed-forward blocks.
///
/// Q_t, K_t, V_t = F_t W_t^{Q,K,V}; Q_i, K_i, V_i = F_i W_i^{Q,K,V}                  (6, 7)
/// SA_m = MHA(Q_m, K_m, V_m) W^s_m; CA_t = MHA(Q_t, K_i, V_i) W^c_t,
/// CA_i = MHA(Q_i, K_t, V_t) W^c_i                                                 (8-11)
/// X_m = CA_m ⊙ P^m + SA_m ⊙ (1 − P^m), X_m^C = LN(X_m + F_m)                       (12, 13)
/// X_inter = P^e X_i^C; F_t^S = LN(FFN(X_t^C, X_inter) + X_t^C); F_i^S = LN(FFN(X_i^C) + X_i^C)  (14-16)
/// With `imageWise` (Table 4) the roles swap: P^e' = rowsoftmax(F_i F_tᵀ), X_inter = P^e' X_t^C
/// feeds the image block and the text block is conventional.
///
/// Shapes: F_t [B, L_t, D], F_i [B, L_i, D], P^m [B, 1, D], P^e [B, L_t, L_i] (or [B, L_i, L_t]).
/// Keys: `text_query`, `text_key`, `text_value`, `image_query`, `image_key`, `image_value`,
/// `text_self_output`, `text_cross_output`, `image_self_output`, `image_cross_output`
/// ([D, D] with bias each), `text_norm`, `image_norm`, `text_ffn`, `image_ffn`.
final class SimilarityGuidedInteraction: Module {
    var isTraining = true
    let textQuery: Linear, textKey: Linear, textValue: Linear
    let imageQuery: Linear, imageKey: Linear, imageValue: Linear
    let textSelfOutput: Linear, textCrossOutput: Linear
    let imageSelfOutput: Linear, imageCrossOutput: Linear
    let textNorm: LayerNorm, imageNorm: LayerNorm
    let textFeedForward: SimilarityFeedForward
    let imageFeedForward: SimilarityFeedForward
    let headCount: Int
    let imageWise: Bool

    init(dimension d: Int, headCount: Int, feedForward: Int, imageWise: Bool, generator: inout RandomGenerator) {
        self.headCount = headCount
        self.imageWise = imageWise
        func linear() -> Linear { Linear(inputSize: d, outputSize: d, generator: &generator) }
        textQuery = linear(); textKey = linear(); textValue = linear()
        imageQuery = linear(); imageKey = linear(); imageValue = linear()
        textSelfOutput = linear(); textCrossOutput = linear()
        imageSelfOutput = linear(); imageCrossOutput = linear()
        textNorm = LayerNorm(dimension: d)
        imageNorm = LayerNorm(dimension: d)
        textFeedForward = SimilarityFeedForward(dimension: d, hidden: feedForward, similarityAware: !imageWise,
                                                generator: &generator)
        imageFeedForward = SimilarityFeedForward(dimension: d, hidden: feedForward, similarityAware: imageWise,
                                                 generator: &generator)
    }

    var children: [(String, any Module)] {
        [("text_query", textQuery), ("text_key", textKey), ("text_value", textValue),
         ("image_query", imageQuery), ("image_key", imageKey), ("image_value", imageValue),
         ("text_self_output", textSelfOutput), ("text_cross_output", textCrossOutput),
         ("image_self_output", imageSelfOutput), ("image_cross_output", imageCrossOutput),
         ("text_norm", textNorm), ("image_norm", imageNorm),
         ("text_ffn", textFeedForward), ("image_ffn", imageFeedForward)]
    }

    /// `text` F_t [B, L_t, D], `image` F_i [B, L_i, D], `modality` P^m [B, 1, D] and
    /// `element` P^e (text-wise [B, L_t, L_i], image-wise [B, L_i, L_t]) → (F_t^S, F_i^S).
    func callAsFunction(text: Tensor, image: Tensor, modality: Tensor, element: Tensor) -> (text: Tensor, image: Tensor) {
        let qt = textQuery(text), kt = textKey(text), vt = textValue(text)                     // (6)
        let qi = imageQuery(image), ki = imageKey(image), vi = imageValue(image)               // (7)
        let textSelf = textSelfOutput(projectedAttention(query: qt, key: kt, value: vt, headCount: headCount))     // (8, 10)
        let textCross = textCrossOutput(projectedAttention(query: qt, key: ki, value: vi, headCount: headCount))   // (9, 11)
        let imageSelf = imageSelfOutput(projectedAttention(query: qi, key: ki, value: vi, headCount: headCount))   // (8, 10)
        let imageCross = imageCrossOutput(projectedAttention(query: qi, key: kt, value: vt, headCount: headCount)) // (9, 11)
        let complement = 1 - modality
        let textMixed = textCross * modality + textSelf * complement                            // (12)
        let imageMixed = imageCross * modality + imageSelf * complement                         // (12)
        let textCoarse = textNorm(textMixed + text)                                             // (13)
        let imageCoarse = imageNorm(imageMixed + image)                                         // (13)
        if imageWise {
            let interaction = element.matmul(textCoarse)                                        // (14), roles swapped
            return (textFeedForward(textCoarse, interaction: nil), imageFeedForward(imageCoarse, interaction: interaction))
        }
        let interaction = element.matmul(imageCoarse)                                           // (14)
        return (textFeedForward(textCoarse, interaction: interaction),                          // (15, 16)
                imageFeedForward(imageCoarse, interaction: nil))
    }
}
