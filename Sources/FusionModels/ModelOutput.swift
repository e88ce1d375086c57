import NeuralNetwork

/// What a fusion model's forward pass returns.
public struct ModelOutput {
    /// [B, C] unnormalised class scores.
    public var logits: Tensor
    /// Auxiliary losses by name (scalar tensors the trainer adds to the classification
    /// loss with the model's weights); empty for models without any.
    public var auxiliaryLosses: [String: Tensor]
    /// Named intermediate tensors for reports (gate weights, attention maps), detached.
    public var intermediates: [String: Tensor]

    /// An output with `logits` and optional auxiliary losses and intermediates.
    public init(logits: Tensor, auxiliaryLosses: [String: Tensor] = [:], intermediates: [String: Tensor] = [:]) {
        self.logits = logits
        self.auxiliaryLosses = auxiliaryLosses
        self.intermediates = intermediates
    }
}
