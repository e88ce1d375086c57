import Foundation
import NeuralNetwork

/// A two-layer classifier head: logits = Dropout(ReLU(Dropout(x) W₁ + b₁)) W₂ + b₂.
/// Shapes: [B, input] → [B, classes]. Keys: `hidden`, `classifier`.
final class MLPHead: Module {
    var isTraining = true
    let hidden: Linear
    let classifier: Linear
    let inputDropout: Dropout
    let hiddenDropout: Dropout

    init(inputSize: Int, hiddenSize: Int, classes: Int, dropout: Float, generator: inout RandomGenerator) {
        hidden = Linear(inputSize: inputSize, outputSize: hiddenSize, generator: &generator)
        classifier = Linear(inputSize: hiddenSize, outputSize: classes, generator: &generator)
        inputDropout = Dropout(probability: dropout, generator: &generator)
        hiddenDropout = Dropout(probability: dropout, generator: &generator)
    }

    var children: [(String, any Module)] {
        [("hidden", hidden), ("classifier", classifier), ("input_dropout", inputDropout), ("hidden_dropout", hiddenDropout)]
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        logitsAndHidden(input).logits
    }

    /// The logits and the hidden representation ReLU(Dropout(x) W₁ + b₁) [B, hidden] the
    /// classifier reads (before its dropout).
    func logitsAndHidden(_ input: Tensor) -> (logits: Tensor, hidden: Tensor) {
        let representation = hidden(inputDropout(input)).relu()
        return (classifier(hiddenDropout(representation)), representation)
    }
}

extension BaselineConfiguration {
    /// Checks sizes and that no ablation is requested.
    func validated(model: String, classes: Int) throws -> BaselineConfiguration {
        if let name = ablations.first {
            throw FusionModelError.unknownAblation(model: model, name: name, known: [])
        }
        guard classes >= 2, textHiddenSize >= 1, imageChannels >= 1, hiddenSize >= 1, modelDimension >= 1,
              headCount >= 1, modelDimension % headCount == 0, dropout >= 0, dropout < 1 else {
            throw FusionModelError.invalidConfiguration(
                model: model, reason: "classes ≥ 2, sizes ≥ 1, model_dimension divisible by head_count and dropout in [0, 1) are required")
        }
        return self
    }

    /// Decodes `json` over the defaults and validates it.
    static func decode(_ json: Data?, model: String, classes: Int) throws -> BaselineConfiguration {
        try ConfigurationCoding.decode(json, defaults: BaselineConfiguration(), model: model)
            .validated(model: model, classes: classes)
    }
}


