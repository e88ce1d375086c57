import Testing
@testable import Encoders
import Tensors

/// `BertTopLayers`: the top layers of a BERT model as a fine-tunable stack.
@Suite struct BertTopLayersTests {
    static func model() throws -> BertModel {
        let config = BertConfig(vocabularySize: 20, hiddenSize: 8, layerCount: 3, attentionHeadCount: 2,
                                intermediateSize: 16, maxPositionEmbeddings: 16)
        let model = try BertModel(config: config, seed: 4, withPooler: false)
        model.eval()
        return model
    }

    /// The stack computes what the model's own layers compute on a cached hidden state with
    /// the same padding, shares their weights (gradients reach the model's layer), and
    /// names its parameters by local index.
    @Test func matchesTheModelsTopLayers() throws {
        let model = try Self.model()
        let stack = try BertTopLayers(model: model, count: 2)
        #expect(stack.layerCount == 2 && stack.firstLayerIndex == 1)
        var generator = RandomGenerator(seed: 9)
        let hidden = Tensor.randn([2, 5, 8], generator: &generator)
        let padding = [[false, false, false, true, true], [false, false, false, false, false]]
        let expected = try model.runLayers(1..<3, hiddenState: hidden, attentionMask: padding.flatMap { $0.map { $0 ? 0 : 1 } })
        let actual = stack(hidden, paddingMask: padding)
        #expect(actual.count == 2)
        for (a, e) in zip(actual, expected) { #expect(a.scalars == e.scalars) }
        // Padding changes nothing at the other positions of a full row, but does for the padded row.
        let unpadded = stack(hidden, paddingMask: [[Bool]](repeating: [Bool](repeating: false, count: 5), count: 2))
        #expect(unpadded[1].slice(axis: 0, 1..<2).scalars == actual[1].slice(axis: 0, 1..<2).scalars)
        #expect(unpadded[1].slice(axis: 0, 0..<1).scalars != actual[1].slice(axis: 0, 0..<1).scalars)
        #expect(stack.namedParameters().map(\.0).contains("0.attention.self.query.weight"))
        actual[1].sum().backward()
        #expect(model.layers[2].query.weight.grad != nil && model.layers[1].query.weight.grad != nil)
        #expect(model.layers[0].query.weight.grad == nil)
        #expect(throws: BertError.self) { try BertTopLayers(model: model, count: 0) }
        #expect(throws: BertError.self) { try BertTopLayers(model: model, count: 4) }
    }
}
