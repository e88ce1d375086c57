import Foundation
import Testing
@testable import FusionModels

extension FusionFixture {
    /// Reads Tests/Fixtures/<area>/<name>.safetensors.
    init(area: String, _ name: String) throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(area)
        tensors = try SafetensorsFile(contentsOf: directory.appendingPathComponent("\(name).safetensors")).tensors()
    }

    /// A fixture tensor of class labels (stored as Float) as integers.
    func labels(_ key: String) throws -> [Int] { try self[key].scalars.map { Int($0) } }
}

/// BMLHF against the PyTorch reference of Tests/Fixtures/generate/bmlhf.py (tiny sizes):
/// forward outputs, both auxiliary losses and every parameter gradient of
/// sum(logits · R) + Σ auxiliary losses, for the full model and each ablation, within 1e-4
/// relative (|a − e| ≤ 1e-4 · max(1, |e|)); then MIB over three Adam steps.
@Suite struct BMLHFParityTests {
    static let configuration = #"""
    {"text_hidden_size": 10, "image_feature_size": 12, "clip_size": 8, "mlp_hidden_size": 14, "view_dimension": 8,
     "head_count": 2}
    """#

    static func make(_ ablations: [String]) throws -> BMLHF {
        var object = try JSONSerialization.jsonObject(with: Data(configuration.utf8)) as? [String: Any] ?? [:]
        object["ablations"] = ablations
        let model = try ModelRegistry.make(id: "bmlhf", config: JSONSerialization.data(withJSONObject: object), classes: 3, seed: 1)
        guard let bmlhf = model as? BMLHF else { throw FusionFixture.ReadError(description: "registry did not build BMLHF") }
        return bmlhf
    }

    static let cases: [(String, [String])] = [
        ("full", []), ("no_mib", ["no-mib"]), ("no_fusion", ["no-fusion"]), ("no_cross", ["no-cross"]), ("no_hf", ["no-hf"]),
        ("no_intra", ["no-intra"]), ("no_inter", ["no-inter"]), ("no_supcon", ["no-supcon"]),
        ("pattern_only", ["pattern-only"]), ("semantic_only", ["semantic-only"]),
    ]

    @Test(arguments: cases.map(\.0))
    func matchesReference(_ name: String) throws {
        let ablations = Self.cases.first { $0.0 == name }?.1 ?? []
        let fixture = try FusionFixture(area: "bmlhf", name)
        let model = try Self.make(ablations)
        try model.loadStateDict(fixture.entries("param."))
        let expectedGradients = fixture.entries("grad.param.")
        #expect(Set(model.namedParameters().map(\.0)) == Set(expectedGradients.keys), "\(name): parameter keys")
        model.train()
        var batch = try fixture.inputs()
        batch.labels = try fixture.labels("labels")
        let output = try model.forward(batch)
        expectAllClose(output.logits, try fixture["output.logits"], "\(name) logits")
        for key in ["fused", "views.logits", "intra.text_weights", "intra.image_weights"] {
            guard let expected = fixture.tensors["output.\(key)"] else {
                #expect(output.intermediates[key] == nil || key == "fused", "\(name): unexpected \(key)")
                continue
            }
            guard let actual = output.intermediates[key] else {
                Issue.record("\(name): no intermediate \(key)")
                continue
            }
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
    }

    /// Three Adam steps with MIB: ρ and k of equations 3-4 at each step, the gradients after
    /// scaling, and the parameters after the third step.
    @Test func balancingOverThreeSteps() throws {
        let fixture = try FusionFixture(area: "bmlhf", "mib_steps")
        let model = try Self.make([])
        try model.loadStateDict(fixture.entries("param."))
        model.train()
        let optimizer = try Adam(parameters: model.parameters, learningRate: 0.01, weightDecay: 0.001)
        for step in 0..<3 {
            optimizer.zeroGrad()
            let labels = try fixture.labels("step\(step).labels")
            let batch = try ModelInputs(features: fixture.entries("step\(step).input."), labels: labels)
            let output = try model.forward(batch)
            var loss = try CrossEntropyLoss()(output.logits, targets: labels)
            for auxiliary in output.auxiliaryLosses.values { loss = loss + auxiliary }
            loss.backward()
            try model.beforeOptimizerStep(output: output, labels: labels)
            expectAllClose(Tensor(model.lastRatios), try fixture["step\(step).ratios"], "step \(step) ratios")
            expectAllClose(Tensor(model.lastCoefficients), try fixture["step\(step).coefficients"], "step \(step) coefficients")
            #expect(model.lastCoefficients.contains { $0 < 1 }, "step \(step): some view is dominant")
            for (key, parameter) in model.namedParameters() {
                guard let gradient = parameter.grad else {
                    Issue.record("step \(step): no gradient for \(key)")
                    continue
                }
                expectAllClose(gradient, try fixture["step\(step).grad.\(key)"], "step \(step) grad \(key)")
            }
            optimizer.step()
            try model.afterOptimizerStep(output: output, labels: labels)
        }
        for (key, parameter) in model.namedParameters() {
            expectAllClose(parameter, try fixture["final.param.\(key)"], "final \(key)")
        }
        #expect(model.balancedSteps == 3)
        // The training state round-trips into a fresh model.
        let restored = try Self.make([])
        try restored.loadTrainingState(model.trainingState())
        #expect(restored.lastCoefficients == model.lastCoefficients && restored.balancedSteps == 3)
        #expect(throws: FusionModelError.self) { try restored.loadTrainingState([:]) }
    }

    /// Equation 4 on hand-made ratios: only views above 1/V are damped, by 1 − tanh(α₁ρ).
    @Test func coefficientsFollowEquationFour() {
        let ratios = MultimodalInformationBalancing.ratios(scores: [3, 1, 0.5, 0.5])
        #expect(ratios == [0.6, 0.2, 0.1, 0.1])
        let k = MultimodalInformationBalancing.coefficients(ratios: ratios, alpha: 0.8)
        #expect(Swift.abs(k[0] - (1 - Foundation.tanh(0.48))) < 1e-6)
        #expect(k[1] == 1 && k[2] == 1 && k[3] == 1)
    }

    /// With no-mib the hook leaves the gradients alone; the features the model asks for match
    /// its views.
    @Test func noBalancingAndRequirements() throws {
        let model = try Self.make(["no-mib", "semantic-only"])
        #expect(model.viewNames == ["text_semantic", "image_semantic"])
        #expect(model.requirements.featureNames == [FeatureName.clipText, FeatureName.clipImage])
        let full = try Self.make([])
        #expect(full.requirements.featureNames == [FeatureName.textClassLayers, FeatureName.imageLogits,
                                                   FeatureName.clipText, FeatureName.clipImage])
        #expect(throws: FusionModelError.self) { try Self.make(["pattern-only", "semantic-only"]) }
        #expect(throws: FusionModelError.self) { try Self.make(["no-such-switch"]) }
    }

    /// Each preset's parameter count at full size equals the PyTorch reference's
    /// (Tests/Fixtures/bmlhf/parameter_counts.json from generate/bmlhf.py).
    @Test func presetParameterCountsMatchTheReference() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/bmlhf/parameter_counts.json")
        let expected = try JSONDecoder().decode([String: Int].self, from: Data(contentsOf: url))
        let presets = try ModelRegistry.descriptor(id: "bmlhf").presets.map(\.name)
        #expect(Set(expected.keys) == Set(presets))
        for preset in presets {
            let model = try ModelRegistry.make(id: "bmlhf", preset: preset, seed: 0)
            #expect(model.parameterCount == expected[preset], "preset \(preset)")
        }
    }
}
