import NeuralNetwork

/// The top N layers of a BERT-family encoder as a `TextTopLayers` stack, for a fusion model
/// that fine-tunes them on cached hidden states (INFIG's `finetune_top`).
///
/// The layers are those of a loaded `BertModel` (shared, so they start from its pretrained
/// weights): layers L − N … L − 1 of an L-layer model. The input is the hidden state after
/// layer L − N − 1, which the feature store keeps. Keys: `<i>.attention.self.query`, … for
/// i in 0..<N (the model's `encoder.layer.<L − N + i>`).
public final class BertTopLayers: TextTopLayers {
    public var isTraining = true
    /// The layers, lowest first.
    public let layers: ModuleList<BertLayer>
    /// The index in the encoder of the first layer.
    public let firstLayerIndex: Int

    /// The top `count` layers of `model`.
    /// - Throws: `BertError.invalidInput` when `count` is not in 1...model's layer count.
    public init(model: BertModel, count: Int) throws {
        let total = model.layers.count
        guard count >= 1, count <= total else {
            throw BertError.invalidInput("cannot fine-tune the top \(count) layers of a \(total)-layer encoder")
        }
        firstLayerIndex = total - count
        layers = ModuleList((firstLayerIndex..<total).map { model.layers[$0] })
    }

    public var layerCount: Int { layers.count }

    public var children: [(String, any Module)] { layers.children }

    /// Runs the layers on `hiddenState` [B, L, H] with padding positions masked out of the
    /// attention; returns each layer's output.
    public func callAsFunction(_ hiddenState: Tensor, paddingMask: [[Bool]]) -> [Tensor] {
        let batch = hiddenState.shape[0], length = hiddenState.shape[1]
        let mask = Tensor(shape: [batch, 1, length]) { buffer in
            for i in 0..<batch {
                for j in 0..<length { buffer[i * length + j] = paddingMask[i][j] ? -Float.infinity : 0 }
            }
        }
        var states: [Tensor] = []
        var current = hiddenState
        for layer in layers.modules {
            current = layer(current, mask: mask)
            states.append(current)
        }
        return states
    }
}
