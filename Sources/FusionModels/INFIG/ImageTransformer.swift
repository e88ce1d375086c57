import NeuralNetwork

/// INFIG's image encoder above ResNet-50 (section 3.1): the grid [B, P, C] projected to d,
/// a learned [CLS] token prepended, learned position embeddings added, then N_i post-norm
/// transformer layers (GELU). Returns the hidden state after each layer, [B, 1 + P, d],
/// with the [CLS] token at position 0. Keys: `projection`, `class_token` [1, 1, d],
/// `positions` [1, 1 + P, d], `layers.<i>` (PyTorch `nn.TransformerEncoderLayer` names).
final class ImageTransformer: Module {
    var isTraining = true
    let projection: Linear
    let classToken: Tensor
    let positions: Tensor
    let layers: ModuleList<TransformerEncoderLayer>

    init(channels: Int, positionCount: Int, dimension: Int, layerCount: Int, headCount: Int, feedForward: Int,
         dropout: Float, generator: inout RandomGenerator) {
        projection = Linear(inputSize: channels, outputSize: dimension, generator: &generator)
        classToken = Initializer.normal([1, 1, dimension], std: 0.02, generator: &generator)
        positions = Initializer.normal([1, 1 + positionCount, dimension], std: 0.02, generator: &generator)
        layers = ModuleList((0..<layerCount).map { _ in
            TransformerEncoderLayer(embedDimension: dimension, headCount: headCount, feedForwardDimension: feedForward,
                                    dropout: dropout, activation: .gelu, generator: &generator)
        })
    }

    var ownParameters: [(String, Tensor)] { [("class_token", classToken), ("positions", positions)] }
    var children: [(String, any Module)] { [("projection", projection), ("layers", layers)] }

    func callAsFunction(_ grid: Tensor) -> [Tensor] {
        let b = grid.shape[0], d = classToken.shape[2]
        var hidden = Tensor.concat([classToken.expanded(to: [b, 1, d]), projection(grid)], axis: 1) + positions
        var states: [Tensor] = []
        for layer in layers.modules {
            hidden = layer(hidden)
            states.append(hidden)
        }
        return states
    }
}

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
