import NeuralNetwork

/// One branch of HGLNet's Dual-stream Cross Residual Self-Attention (DCRSA, equations 10-12):
/// queries from one modality, keys and values from the other, and the other modality's
/// features added back to every head as a residual.
///
/// For each head j (size d_f, as the paper's d_k = d_v = d_f):
/// F_j = softmax(Q_j K_jᵀ / √d_f) V_j + Y, with Q_j = X W^Q_j, K_j = Y W^K_j, V_j = Y W^V_j  (10)
/// M = Concat(F_1 … F_h) W_O                                                           (11, 12)
///
/// Shapes: X [B, d_n, d_f], Y [B, d_n, d_f] → [B, d_n, d_f]. Keys: `query`, `key`,
/// `value` ([h·d_f, d_f] each), `output` ([d_f, h·d_f]).
final class CrossResidualAttention: Module {
    var isTraining = true
    let query: Linear
    let key: Linear
    let value: Linear
    let output: Linear
    let headCount: Int
    let dimension: Int
    let residual: Bool

    init(dimension: Int, headCount: Int, residual: Bool, generator: inout RandomGenerator) {
        self.dimension = dimension
        self.headCount = headCount
        self.residual = residual
        query = Linear(inputSize: dimension, outputSize: headCount * dimension, generator: &generator)
        key = Linear(inputSize: dimension, outputSize: headCount * dimension, generator: &generator)
        value = Linear(inputSize: dimension, outputSize: headCount * dimension, generator: &generator)
        output = Linear(inputSize: headCount * dimension, outputSize: dimension, generator: &generator)
    }

    var children: [(String, any Module)] {
        [("query", query), ("key", key), ("value", value), ("output", output)]
    }

    /// Attends from `source` (X) to `other` (Y); returns M [B, Lq, d_f] and the attention
    /// map averaged over heads [B, Lq, Lk] (detached).
    func callAsFunction(source: Tensor, other: Tensor) -> (output: Tensor, attention: Tensor) {
        let batch = source.shape[0], queryLength = source.shape[1], keyLength = other.shape[1]
        func heads(_ x: Tensor, _ length: Int) -> Tensor {
            x.reshaped([batch, length, headCount, dimension]).permuted([0, 2, 1, 3])
        }
        let q = heads(query(source), queryLength)
        let k = heads(key(other), keyLength)
        let v = heads(value(other), keyLength)
        let scores = q.matmul(k, transposeOther: true) * (1 / Float(dimension).squareRoot())
        let probabilities = scores.softmax(axis: 3)
        var context = probabilities.matmul(v)                                        // [B, h, Lq, d_f]
        if residual { context = context + other.unsqueezed(1) }                      // (10)
        let merged = context.permuted([0, 2, 1, 3]).reshaped([batch, queryLength, headCount * dimension])
        return (output(merged), probabilities.detached().mean(axis: 1))             // (11, 12)
    }
}

/// HGLNet's Cross Residual Transformer (CRT, equations 13-16): both DCRSA branches, a
/// residual and LayerNorm per stream, concatenation, and a feed-forward sub-layer.
///
/// output₁ = LN(E′ + M₁), output₂ = LN(V′ + M₂)                                   (13, 14)
/// O_f = Concat(output₁, output₂)                                               (15)
/// O′ = LN(O_f + FFN(O_f)), FFN(x) = ReLU(x W₁ + b₁) W₂ + b₂                   (16)
///
/// Shapes: E′, V′ [B, d_n, d_f] → O′ [B, d_n, 2d_f]. Keys: `text_to_image`,
/// `image_to_text`, `text_norm`, `image_norm`, `ffn_in`, `ffn_out`, `output_norm`.
final class CrossResidualTransformer: Module {
    var isTraining = true
    let textToImage: CrossResidualAttention
    let imageToText: CrossResidualAttention
    let textNorm: LayerNorm
    let imageNorm: LayerNorm
    let feedForwardIn: Linear
    let feedForwardOut: Linear
    let outputNorm: LayerNorm

    init(dimension: Int, headCount: Int, feedForward: Int, residual: Bool, generator: inout RandomGenerator) {
        textToImage = CrossResidualAttention(dimension: dimension, headCount: headCount, residual: residual,
                                             generator: &generator)
        imageToText = CrossResidualAttention(dimension: dimension, headCount: headCount, residual: residual,
                                             generator: &generator)
        textNorm = LayerNorm(dimension: dimension)
        imageNorm = LayerNorm(dimension: dimension)
        feedForwardIn = Linear(inputSize: 2 * dimension, outputSize: feedForward, generator: &generator)
        feedForwardOut = Linear(inputSize: feedForward, outputSize: 2 * dimension, generator: &generator)
        outputNorm = LayerNorm(dimension: 2 * dimension)
    }

    var children: [(String, any Module)] {
        [("text_to_image", textToImage), ("image_to_text", imageToText), ("text_norm", textNorm),
         ("image_norm", imageNorm), ("ffn_in", feedForwardIn), ("ffn_out", feedForwardOut),
         ("output_norm", outputNorm)]
    }

    /// `text` E′ and `image` V′ [B, d_n, d_f] → O′ [B, d_n, 2d_f] and the two attention maps.
    func callAsFunction(text: Tensor, image: Tensor) -> (output: Tensor, textToImage: Tensor, imageToText: Tensor) {
        let (textAttended, textMap) = textToImage(source: text, other: image)
        let (imageAttended, imageMap) = imageToText(source: image, other: text)
        let textStream = textNorm(text + textAttended)                                // (13)
        let imageStream = imageNorm(image + imageAttended)                            // (14)
        let fused = Tensor.concat([textStream, imageStream], axis: 2)                 // (15)
        let output = outputNorm(fused + feedForwardOut(feedForwardIn(fused).relu()))  // (16)
        return (output, textMap, imageMap)
    }
}
