import Foundation
import Testing
@testable import FusionModels

/// INFIG against the PyTorch reference of Tests/Fixtures/generate/infig.py (tiny sizes,
/// dropout 0): forward outputs, the weighted global and fine-grained alignment losses and
/// every parameter gradient of sum(logits · R) + Σ auxiliary losses, for the full model and
/// each ablation, within 1e-4 relative; then queues, pointer and momentum weights over three
/// SGD steps.
@Suite struct INFIGParityTests {
    static let configuration = #"""
    {"text_hidden_size": 10, "image_channels": 6, "image_positions": 4, "model_dimension": 8, "image_layer_count": 3,
     "head_count": 2, "feed_forward_dimension": 16, "alignment_layer_count": 2, "top_j": 2, "fusion_layer_count": 2,
     "clip_size": 6, "clip_projection_size": 4, "queue_size": 6, "momentum": 0.9, "dropout": 0}
    """#

    static func make(_ ablations: [String]) throws -> INFIG {
        var object = try JSONSerialization.jsonObject(with: Data(configuration.utf8)) as? [String: Any] ?? [:]
        object["ablations"] = ablations
        let model = try ModelRegistry.make(id: "infig", config: JSONSerialization.data(withJSONObject: object), classes: 3, seed: 1)
        guard let infig = model as? INFIG else { throw FusionFixture.ReadError(description: "registry did not build INFIG") }
        return infig
    }

    static let cases: [(String, [String])] = [
        ("full", []), ("no_gam", ["no-gam"]), ("no_hfam", ["no-hfam"]), ("no_clip", ["no-clip"]),
        ("hfam_last_layer", ["hfam-last-layer"]), ("one_fusion_layer", ["one-fusion-layer"]),
    ]

    @Test(arguments: cases.map(\.0))
    func matchesReference(_ name: String) throws {
        let ablations = Self.cases.first { $0.0 == name }?.1 ?? []
        let fixture = try FusionFixture(area: "infig", name)
        let model = try Self.make(ablations)
        try model.loadStateDict(fixture.entries("param."))
        try model.loadTrainingState(fixture.entries("state."))
        let expectedGradients = fixture.entries("grad.param.")
        #expect(Set(model.namedParameters().map(\.0)) == Set(expectedGradients.keys), "\(name): parameter keys")
        model.train()
        let output = try model.forward(try fixture.inputs())
        expectAllClose(output.logits, try fixture["output.logits"], "\(name) logits")
        let expectedOutputs = fixture.entries("output.").filter { $0.key != "logits" }
        #expect(Set(output.intermediates.keys) == Set(expectedOutputs.keys), "\(name): intermediate names")
        for (key, expected) in expectedOutputs {
            guard let actual = output.intermediates[key] else { continue }
            expectAllClose(actual, expected, "\(name) \(key)")
        }
        let expectedLosses = fixture.entries("loss.")
        #expect(Set(output.auxiliaryLosses.keys) == Set(expectedLosses.keys), "\(name): auxiliary loss names")
        for (key, expected) in expectedLosses {
            guard let actual = output.auxiliaryLosses[key] else { continue }
            expectAllClose(actual.reshaped([1]), expected, "\(name) loss \(key)")
        }
        var total = (output.logits * (try fixture["upstream"])).sum()
        for loss in output.auxiliaryLosses.values { total = total + loss }
        total.backward()
        for (key, parameter) in model.namedParameters() {
            guard let expected = expectedGradients[key] else { continue }
            guard let gradient = parameter.grad else {
                Issue.record("\(name): no gradient for \(key)")
                continue
            }
            expectAllClose(gradient, expected, "\(name) grad \(key)")
        }
        // Evaluation mode computes no alignment losses and no momentum features.
        model.eval()
        let evaluation = try model.forward(try fixture.inputs())
        #expect(evaluation.auxiliaryLosses.isEmpty && evaluation.intermediates["momentum.text_global"] == nil)
    }

    /// Three SGD steps, each followed by the momentum update and the enqueue: the queues
    /// (6 rows, batches of 4, so the pointer wraps) and pointer after each step, then the
    /// parameters and the momentum copies after the third.
    @Test func momentumQueuesOverThreeSteps() throws {
        let fixture = try FusionFixture(area: "infig", "steps")
        let model = try Self.make([])
        try model.loadStateDict(fixture.entries("param."))
        try model.loadTrainingState(fixture.entries("state."))
        model.train()
        // SGD: Adam would turn the attention key biases' zero gradients (rounding noise) into full steps.
        let optimizer = try SGD([ParameterGroup(parameters: model.parameters, learningRate: 0.1)])
        for step in 0..<3 {
            optimizer.zeroGrad()
            let labels = try fixture.labels("step\(step).labels")
            let batch = try ModelInputs(features: fixture.entries("step\(step).input."), labels: labels)
            let output = try model.forward(batch)
            var loss = try CrossEntropyLoss()(output.logits, targets: labels)
            for auxiliary in output.auxiliaryLosses.values { loss = loss + auxiliary }
            loss.backward()
            try model.beforeOptimizerStep(output: output, labels: labels)
            optimizer.step()
            try model.afterOptimizerStep(output: output, labels: labels)
            expectAllClose(model.textQueue, try fixture["step\(step).queue.text"], "step \(step) text queue")
            expectAllClose(model.imageQueue, try fixture["step\(step).queue.image"], "step \(step) image queue")
            #expect(Float(model.queuePointer) == (try fixture["step\(step).pointer"]).scalars[0], "step \(step) pointer")
        }
        for (key, parameter) in model.namedParameters() {
            expectAllClose(parameter, try fixture["final.param.\(key)"], "final \(key)")
        }
        let state = model.trainingState()
        let expectedMomentum = fixture.entries("final.momentum.")
        #expect(Set(state.keys.filter { $0.hasPrefix("momentum.") }) == Set(expectedMomentum.keys.map { "momentum.\($0)" }))
        for (key, expected) in expectedMomentum {
            guard let actual = state["momentum.\(key)"] else { continue }
            expectAllClose(actual, expected, "final momentum \(key)")
        }
        // The state restores into a fresh model; a truncated one is refused.
        let restored = try Self.make([])
        try restored.loadTrainingState(state)
        #expect(restored.queuePointer == model.queuePointer && restored.textQueue.scalars == model.textQueue.scalars)
        var broken = state
        broken["queue.image"] = nil
        #expect(throws: FusionModelError.self) { try restored.loadTrainingState(broken) }
    }

    /// The features the model asks for, and `finetune_top` without attached layers.
    @Test func requirementsAndTopLayers() throws {
        let model = try Self.make([])
        #expect(model.requirements.textLayerCount == 2)
        #expect(model.requirements.featureNames == [FeatureName.textLayers, FeatureName.imageGrid, FeatureName.clipText,
                                                    FeatureName.clipImage, FeatureName.textTokenIds])
        #expect(try Self.make(["no-gam", "no-hfam"]).requirements.featureNames
            == [FeatureName.textLayers, FeatureName.imageGrid, FeatureName.textTokenIds])
        let fixture = try FusionFixture(area: "infig", "full")
        var object = try JSONSerialization.jsonObject(with: Data(Self.configuration.utf8)) as? [String: Any] ?? [:]
        object["finetune_top"] = 1
        let tuned = try ModelRegistry.make(id: "infig", config: JSONSerialization.data(withJSONObject: object), classes: 3, seed: 1)
        #expect(tuned.requirements.textLayerCount == 1)
        #expect(throws: FusionModelError.self) { try tuned.forward(try fixture.inputs()) }
    }

    /// Each preset's parameter count at full size equals the PyTorch reference's
    /// (Tests/Fixtures/infig/parameter_counts.json from generate/infig.py).
    @Test func presetParameterCountsMatchTheReference() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/infig/parameter_counts.json")
        let expected = try JSONDecoder().decode([String: Int].self, from: Data(contentsOf: url))
        let presets = try ModelRegistry.descriptor(id: "infig").presets.map(\.name)
        #expect(Set(expected.keys) == Set(presets))
        for preset in presets {
            let model = try ModelRegistry.make(id: "infig", preset: preset, seed: 0)
            #expect(model.parameterCount == expected[preset], "preset \(preset)")
        }
    }
}
