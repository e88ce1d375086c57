import Foundation
import Testing
@testable import FusionModels

/// INFIG with `finetune_top` = 1: the model runs an attached top-layer stack on the cached
/// hidden state below it, and computes exactly what the cached path computes when the
/// stack's output is cached instead.
@Suite struct INFIGFineTuningTests {
    /// A top-layer stack of PyTorch-style encoder layers (dropout 0).
    final class EncoderStack: TextTopLayers {
        var isTraining = true
        let layers: ModuleList<TransformerEncoderLayer>

        init(dimension: Int, count: Int, generator: inout RandomGenerator) {
            layers = ModuleList((0..<count).map { _ in
                TransformerEncoderLayer(embedDimension: dimension, headCount: 2, feedForwardDimension: 16, dropout: 0,
                                        generator: &generator)
            })
        }

        var children: [(String, any Module)] { [("layers", layers)] }
        var layerCount: Int { layers.count }

        func callAsFunction(_ hiddenState: Tensor, paddingMask: [[Bool]]) -> [Tensor] {
            var current = hiddenState
            return layers.modules.map { layer in
                current = layer(current, keyPaddingMask: paddingMask)
                return current
            }
        }
    }

    @Test func runsTheTopLayersOnTheCachedHiddenState() throws {
        let fixture = try FusionFixture(area: "infig", "full")
        var object = try JSONSerialization.jsonObject(with: Data(INFIGParityTests.configuration.utf8)) as? [String: Any] ?? [:]
        object["finetune_top"] = 1
        let tuned = try #require(try ModelRegistry.make(id: "infig", config: JSONSerialization.data(withJSONObject: object),
                                                        classes: 3, seed: 1) as? INFIG)
        let cached = try INFIGParityTests.make([])
        var generator = RandomGenerator(seed: 8)
        let stack = EncoderStack(dimension: 10, count: 1, generator: &generator)
        #expect(throws: FusionModelError.self) {
            try tuned.attachTextTopLayers(EncoderStack(dimension: 10, count: 2, generator: &generator))
        }
        try tuned.attachTextTopLayers(stack)
        #expect(tuned.requirements.textLayerCount == 1)
        let parameters = fixture.entries("param.")
        try cached.loadStateDict(parameters)
        try tuned.loadStateDict(parameters.merging(stack.namedParameters().map { ("text_top.\($0.0)", $0.1) }) { $1 })
        try cached.loadTrainingState(fixture.entries("state."))
        try tuned.loadTrainingState(fixture.entries("state."))

        var features = fixture.entries("input.").filter { !$0.key.hasSuffix("_present") }
        let layers = try fixture["input.text.layers"]
        let below = layers.slice(axis: 1, 2..<3)                                   // the state entering the stack
        let ids = try fixture["input.text.token_ids"].scalars
        let padding = (0..<4).map { i in (0..<5).map { ids[i * 5 + $0] == 0 } }
        let above = stack(below.squeezed(1), paddingMask: padding)[0].detached()
        features[FeatureName.textLayers] = below
        let tunedOutput = try tuned.forward(try ModelInputs(features: features))
        features[FeatureName.textLayers] = Tensor.stack([below.squeezed(1), above], axis: 1)
        let cachedOutput = try cached.forward(try ModelInputs(features: features))
        expectAllClose(tunedOutput.logits, cachedOutput.logits, tolerance: 1e-5, "logits")
        for key in ["global", "fine_grained"] {
            guard let a = tunedOutput.auxiliaryLosses[key], let e = cachedOutput.auxiliaryLosses[key] else {
                Issue.record("missing loss \(key)")
                continue
            }
            expectAllClose(a, e, tolerance: 1e-5, key)
        }
        var total = tunedOutput.logits.sum()
        for loss in tunedOutput.auxiliaryLosses.values { total = total + loss }
        total.backward()
        let stackGradients = tuned.namedParameters().filter { $0.0.hasPrefix("text_top.") }
        #expect(!stackGradients.isEmpty && stackGradients.allSatisfy { $0.1.grad != nil })
    }
}
