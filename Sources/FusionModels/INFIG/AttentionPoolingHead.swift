import NeuralNetwork

/// INFIG's attention pooling and head (equations 8-11): g = softmax over tokens of
/// F w + b (padding excluded), K̃ = Σ g_i f_i, K = GELU(K̃ W_K + b_K),
/// logits = GELU(K W + b). Shapes: F [B, n, d] → (logits [B, C], K [B, d], g [B, n]).
/// Keys: `score`, `representation`, `classifier`.
final class AttentionPoolingHead: Module {
    var isTraining = true
    let score: Linear
    let representation: Linear
    let classifier: Linear

    init(dimension: Int, classes: Int, generator: inout RandomGenerator) {
        score = Linear(inputSize: dimension, outputSize: 1, generator: &generator)
        representation = Linear(inputSize: dimension, outputSize: dimension, generator: &generator)
        classifier = Linear(inputSize: dimension, outputSize: classes, generator: &generator)
    }

    var children: [(String, any Module)] {
        [("score", score), ("representation", representation), ("classifier", classifier)]
    }

    func callAsFunction(_ tokens: Tensor, padding: Tensor) -> (logits: Tensor, representation: Tensor, weights: Tensor) {
        let weights = score(tokens).squeezed(2).maskedFill(padding, with: -.infinity).softmax(axis: 1)   // (8)
        let pooled = (tokens * weights.unsqueezed(2)).sum(axis: 1)                                       // (9)
        let k = representation(pooled).gelu()                                                           // (10)
        return (classifier(k).gelu(), k, weights)                                                       // (11)
    }
}
