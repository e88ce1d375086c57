import NeuralNetwork

/// HGLNet's Global Gated Attention (GGA, section 3.2, equations 4-7): two weights, one per
/// modality, from the text's [CLS] vector e_cls and the image's global vector v_g.
///
/// e = e_cls W_t + b_t, v = v_g W_i + b_i (both d_g), f_concat = [e, v];
/// e₁ = σ(f_concat W₁ + b₁), v₁ = σ(f_concat W₂ + b₂)                  (4)
/// w′₁ = e · σ(e₁) / √d_g, w′₂ = v₁ · σ(v) / √d_g                       (5)
/// (w₁, w₂) = softmax(w′₁, w′₂)                                         (6, 7)
///
/// Keys: `text_reduce`, `image_reduce` (the reductions), `text_gate` (W₁), `image_gate` (W₂).
final class GlobalGatedAttention: Module {
    var isTraining = true
    let textReduction: Linear
    let imageReduction: Linear
    let textGate: Linear
    let imageGate: Linear
    let gateDimension: Int

    init(textSize: Int, imageSize: Int, gateDimension: Int, generator: inout RandomGenerator) {
        self.gateDimension = gateDimension
        textReduction = Linear(inputSize: textSize, outputSize: gateDimension, generator: &generator)
        imageReduction = Linear(inputSize: imageSize, outputSize: gateDimension, generator: &generator)
        textGate = Linear(inputSize: 2 * gateDimension, outputSize: gateDimension, generator: &generator)
        imageGate = Linear(inputSize: 2 * gateDimension, outputSize: gateDimension, generator: &generator)
    }

    var children: [(String, any Module)] {
        [("text_reduce", textReduction), ("image_reduce", imageReduction),
         ("text_gate", textGate), ("image_gate", imageGate)]
    }

    /// `textGlobal` [B, d_t], `imageGlobal` [B, d_o] → weights [B, 2] (w₁, w₂ per sample)
    /// and f_concat [B, 2d_g].
    func callAsFunction(textGlobal: Tensor, imageGlobal: Tensor) -> (weights: Tensor, fused: Tensor) {
        let text = textReduction(textGlobal)
        let image = imageReduction(imageGlobal)
        let fused = Tensor.concat([text, image], axis: 1)
        let textGated = textGate(fused).sigmoid()                                    // (4)
        let imageGated = imageGate(fused).sigmoid()                                  // (4)
        let scale = 1 / Float(gateDimension).squareRoot()
        let textScore = (text * textGated.sigmoid()).sum(axis: 1, keepDims: true) * scale    // (5)
        let imageScore = (imageGated * image.sigmoid()).sum(axis: 1, keepDims: true) * scale // (5)
        let weights = Tensor.concat([textScore, imageScore], axis: 1).softmax(axis: 1)       // (6, 7)
        return (weights, fused)
    }
}
