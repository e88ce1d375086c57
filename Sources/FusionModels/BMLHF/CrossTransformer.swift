import NeuralNetwork

/// One direction of a BMLHF cross-transformer (equations 6, 7): queries from one view,
/// keys and values from the other, then the usual post-norm residual blocks:
/// h = LN₁(x + MHA(x, y, y)), out = LN₂(h + W₂ ReLU(W₁ h + b₁) + b₂).
///
/// Each view is one vector per post, a sequence of length 1, so the attention weights
/// are 1 and MHA(x, y, y) = W_O (W_V y + b_V) + b_O; the block still learns how much of
/// the other view to add. Shapes: x, y [B, 1, d_k] → [B, 1, d_k]. Keys: `attention`
/// (PyTorch `nn.MultiheadAttention` names), `norm1`, `linear1`, `linear2`, `norm2`.
final class CrossAttentionLayer: Module {
    var isTraining = true
    let attention: MultiHeadAttention
    let norm1: LayerNorm
    let linear1: Linear
    let linear2: Linear
    let norm2: LayerNorm

    init(dimension: Int, headCount: Int, feedForward: Int, generator: inout RandomGenerator) {
        attention = MultiHeadAttention(embedDimension: dimension, headCount: headCount, generator: &generator)
        norm1 = LayerNorm(dimension: dimension)
        linear1 = Linear(inputSize: dimension, outputSize: feedForward, generator: &generator)
        linear2 = Linear(inputSize: feedForward, outputSize: dimension, generator: &generator)
        norm2 = LayerNorm(dimension: dimension)
    }

    var children: [(String, any Module)] {
        [("attention", attention), ("norm1", norm1), ("linear1", linear1), ("linear2", linear2), ("norm2", norm2)]
    }

    func callAsFunction(_ source: Tensor, attendingTo other: Tensor) -> Tensor {
        let attended = attention(query: source, key: other, value: other).output
        let hidden = norm1(source + attended)
        return norm2(hidden + linear2(linear1(hidden).relu()))
    }
}

/// Cross-Transformer(A, B) of equations 6 and 7: Ã attends to B and B̃ attends to A, each
/// with its own layer. Shapes: [B, d_k] views → ([B, d_k], [B, d_k]). Keys: `first`
/// (A attends to B), `second` (B attends to A).
final class CrossTransformer: Module {
    var isTraining = true
    let first: CrossAttentionLayer
    let second: CrossAttentionLayer

    init(dimension: Int, headCount: Int, feedForward: Int, generator: inout RandomGenerator) {
        first = CrossAttentionLayer(dimension: dimension, headCount: headCount, feedForward: feedForward, generator: &generator)
        second = CrossAttentionLayer(dimension: dimension, headCount: headCount, feedForward: feedForward, generator: &generator)
    }

    var children: [(String, any Module)] { [("first", first), ("second", second)] }

    func callAsFunction(_ a: Tensor, _ b: Tensor) -> (Tensor, Tensor) {
        let sequenceA = a.unsqueezed(1), sequenceB = b.unsqueezed(1)
        return (first(sequenceA, attendingTo: sequenceB).squeezed(1), second(sequenceB, attendingTo: sequenceA).squeezed(1))
    }
}
