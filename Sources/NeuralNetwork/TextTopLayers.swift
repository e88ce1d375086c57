/// The top layers of a text encoder that a fusion model fine-tunes itself while the
/// feature store keeps the hidden state below them (INFIG's `finetune_top`).
///
/// A conforming stack maps the hidden state [B, L, d_t] entering its first layer and a
/// padding mask (true at padding positions) to the hidden state after each of its layers,
/// N tensors [B, L, d_t]. It lives below both the encoders and the fusion models so that
/// each encoder family provides its own stack next to its layers (`BertTopLayers` in
/// Encoders/BERT; a DeBERTa-v3 stack beside DeBERTa's layers) and a fusion model accepts
/// any of them.
public protocol TextTopLayers: Module {
    /// N, how many layers the stack runs.
    var layerCount: Int { get }
    /// The hidden states after each layer, N tensors [B, L, d_t].
    func callAsFunction(_ hiddenState: Tensor, paddingMask: [[Bool]]) -> [Tensor]
}
