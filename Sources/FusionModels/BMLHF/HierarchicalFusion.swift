import NeuralNetwork

/// The intra-modal multi-view attention of BMLHF (equations 8-11): one attention network
/// f(x; Θ) = w₂ᵀ tanh(W₁ x + b₁) + b₂ scores each view of a modality, a softmax over the
/// views gives the coefficients (δ₁, δ₂), and the modality vector is Σ δ_v x_v.
/// Shapes: views [B, d_k] each → ([B, d_k], weights [B, views]). Keys: `hidden`, `score`.
final class MultiViewAttention: Module {
    var isTraining = true
    let hidden: Linear
    let score: Linear

    init(dimension: Int, hiddenSize: Int, generator: inout RandomGenerator) {
        hidden = Linear(inputSize: dimension, outputSize: hiddenSize, generator: &generator)
        score = Linear(inputSize: hiddenSize, outputSize: 1, generator: &generator)
    }

    var children: [(String, any Module)] { [("hidden", hidden), ("score", score)] }

    func callAsFunction(_ views: [Tensor]) -> (fused: Tensor, weights: Tensor) {
        let stacked = Tensor.stack(views, axis: 1)                                 // [B, V, d_k]
        let weights = score(hidden(stacked).tanh()).squeezed(2).softmax(axis: 1)   // (8, 9) [B, V]
        return ((stacked * weights.unsqueezed(2)).sum(axis: 1), weights)           // (10, 11)
    }
}

/// The inter-modal joint-correlation fusion of BMLHF (equations 12-14) for one modality,
/// per post: with x its modality vector [m] and l = [x_text; x_image] [2m],
/// G = tanh(x lᵀ / √(2m)) [m, 2m]                                              (12)
/// x′ = ReLU(x + (W ⊙ G) 1)   with W [m, 2m] learned                           (13, 14)
/// The paper writes W G; a matrix product cannot give an m-vector per post from G [m, 2m],
/// so W weighs each correlation entry and the row sums give the correction (see
/// docs/models/bmlhf.md). Shapes: x [B, m], joint [B, 2m] → [B, m]. Key: `weight`.
final class JointCorrelation: Module {
    var isTraining = true
    let weight: Tensor

    init(dimension: Int, generator: inout RandomGenerator) {
        // Like a Linear(2m, m) weight: U(−1/√(2m), 1/√(2m)).
        weight = Initializer.uniform([dimension, 2 * dimension], bound: 1 / Float(2 * dimension).squareRoot(),
                                     generator: &generator)
    }

    var ownParameters: [(String, Tensor)] { [("weight", weight)] }

    func callAsFunction(_ modality: Tensor, joint: Tensor) -> Tensor {
        let scale = 1 / Float(joint.shape[1]).squareRoot()
        let correlation = (modality.unsqueezed(2) * joint.unsqueezed(1) * scale).tanh()   // (12) [B, m, 2m]
        return (modality + (correlation * weight).sum(axis: 2)).relu()                     // (13, 14)
    }
}
