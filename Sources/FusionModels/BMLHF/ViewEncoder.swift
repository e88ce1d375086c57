import NeuralNetwork

/// The two-layer MLP g^u that maps one view to the common size (section 3.1):
/// z^u = ReLU(x W₁ᵀ + b₁) W₂ᵀ + b₂. Shapes: [B, input] → [B, d_k]. Keys: `hidden`, `output`.
final class ViewEncoder: Module {
    var isTraining = true
    let hidden: Linear
    let output: Linear

    init(inputSize: Int, hiddenSize: Int, outputSize: Int, generator: inout RandomGenerator) {
        hidden = Linear(inputSize: inputSize, outputSize: hiddenSize, generator: &generator)
        output = Linear(inputSize: hiddenSize, outputSize: outputSize, generator: &generator)
    }

    var children: [(String, any Module)] { [("hidden", hidden), ("output", output)] }

    func callAsFunction(_ input: Tensor) -> Tensor { output(hidden(input).relu()) }
}
