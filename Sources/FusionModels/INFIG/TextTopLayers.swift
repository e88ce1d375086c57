import NeuralNetwork

/// The top layers of a text encoder that a fusion model fine-tunes itself while the
/// feature store keeps the hidden state below them (INFIG's `finetune_top`).
///
/// A conforming stack maps the hidden state [B, L, d_t] entering its first layer and a
/// padding mask (true at padding positions) to the hidden state after each of its layers.
/// The FusionModels target does not see the encoders; an adaptor in a target that imports
/// both wraps a concrete stack (BERT's `BertLayer`, DeBERTa-v3's layers) loaded from the
/// pretrained weights of those layers.
public protocol TextTopLayers: Module {
    /// N, how many layers the stack runs.
    var layerCount: Int { get }
    /// The hidden states after each layer, N tensors [B, L, d_t].
    func callAsFunction(_ hiddenState: Tensor, paddingMask: [[Bool]]) -> [Tensor]
}
