import Foundation
import Testing
@testable import FusionModels

/// Registry lookups, presets, configuration coding, errors and parameter counts.
@Suite struct ModelRegistryTests {
    @Test func listsEveryModel() {
        #expect(ModelRegistry.ids == ["hglnet", "text-only", "image-only", "concat", "late-fusion", "attention-fusion", "mscf", "sgmft",
                                     "bmlhf", "infig"])
    }

    @Test func unknownIdsPresetsAblationsAndKeysAreErrors() {
        #expect(throws: FusionModelError.self) { try ModelRegistry.make(id: "nope", classes: 2, seed: 0) }
        #expect(throws: FusionModelError.self) { try ModelRegistry.make(id: "hglnet", preset: "twitter", seed: 0) }
        #expect(throws: FusionModelError.self) {
            try ModelRegistry.make(id: "hglnet", preset: "weibo", ablations: ["no-fun"], seed: 0)
        }
        #expect(throws: FusionModelError.self) {
            try ModelRegistry.make(id: "concat", config: Data(#"{"hiden_size": 3}"#.utf8), classes: 2, seed: 0)
        }
        do {
            _ = try ModelRegistry.make(id: "hglnet", config: Data(#"{"ablations": ["w/o GGA"]}"#.utf8), classes: 2, seed: 0)
            Issue.record("an unknown ablation must throw")
        } catch let error as FusionModelError {
            #expect(error.description.contains("no-gga"), "the message lists the known switches")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    /// Parameter counts of the Table 2 presets equal the PyTorch reference's
    /// (Tests/Fixtures/fusion/hglnet_parameter_counts.json from generate/hglnet.py).
    @Test func presetParameterCountsMatchReference() throws {
        let data = try Data(contentsOf: FusionFixture.directory.appendingPathComponent("hglnet_parameter_counts.json"))
        let expected = try JSONDecoder().decode([String: Int].self, from: data)
        #expect(expected.count == 3)
        for (preset, count) in expected {
            let model = try ModelRegistry.make(id: "hglnet", preset: preset, seed: 1)
            #expect(model.parameterCount == count, "preset \(preset)")
        }
    }

    @Test func presetsCarryTableTwo() throws {
        let model = try ModelRegistry.make(id: "hglnet", preset: "yelp", ablations: ["no-gga"], seed: 1)
        let hglnet = try #require(model as? HGLNet)
        let c = hglnet.configuration
        #expect(c.textLength == 300 && c.modelDimension == 64 && c.headCount == 8 && c.gateDimension == 10)
        #expect(c.training == TrainingHyperparameters(learningRate: 2e-4, weightDecay: 0.1, batchSize: 160, epochs: 40))
        #expect(c.ablations == ["no-gga"])
        #expect(!model.namedParameters().contains { $0.0.hasPrefix("gga.") })
        #expect(model.namedParameters().contains { $0.0 == "classifier.weight" })
        // The JSON rebuilds the same model.
        let rebuilt = try ModelRegistry.make(id: "hglnet", config: try model.configurationJSON(), classes: 5, seed: 1)
        #expect(rebuilt.parameterCount == model.parameterCount)
        #expect((rebuilt as? HGLNet)?.configuration == c)
    }

    @Test func requirementsFollowAblations() throws {
        let full = try ModelRegistry.make(id: "hglnet", classes: 2, seed: 0)
        #expect(full.requirements.featureNames == ["text.cls_layers", "text.layers", "image.grid", "image.logits"])
        #expect(full.requirements.textLayerCount == 4)
        let single = try ModelRegistry.make(id: "hglnet", config: Data(#"{"ablations": ["no-hierarchy"], "image_global": "pooled", "image_global_size": 2048}"#.utf8),
                                            classes: 2, seed: 0)
        #expect(single.requirements.textLayerCount == 1)
        #expect(single.requirements.featureNames == ["text.cls_layers", "text.layers", "image.grid", "image.pooled"])
        let imageOnly = try ModelRegistry.make(id: "hglnet", config: Data(#"{"ablations": ["no-text"]}"#.utf8), classes: 2, seed: 0)
        #expect(imageOnly.requirements.featureNames == ["image.grid"])
        #expect(try ModelRegistry.make(id: "late-fusion", classes: 2, seed: 0).requirements.featureNames
                    == ["text.pooled", "image.pooled"])
    }

    @Test func missingFeatureNamesTheFeature() throws {
        let model = try ModelRegistry.make(id: "concat", config: BaselineParityTests.configuration, classes: 3, seed: 0)
        let inputs = try ModelInputs(features: ["text.pooled": Tensor.zeros([2, 16])])
        #expect(throws: FusionModelError.missingFeature(name: "image.pooled", available: ["text.pooled"])) {
            try model.forward(inputs)
        }
        let wrong = try ModelInputs(features: ["text.pooled": Tensor.zeros([2, 16]), "image.pooled": Tensor.zeros([2, 7])])
        #expect(throws: FusionModelError.featureShape(name: "image.pooled", expected: [2, 8], found: [2, 7])) {
            try model.forward(wrong)
        }
        #expect(throws: FusionModelError.self) {
            try ModelInputs(features: ["a": Tensor.zeros([2, 1]), "b": Tensor.zeros([3, 1])])
        }
    }
}
