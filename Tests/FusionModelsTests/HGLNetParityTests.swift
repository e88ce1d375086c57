import Foundation
import Testing
@testable import FusionModels

/// HGLNet against the independent PyTorch reference of Tests/Fixtures/generate/hglnet.py
/// (tiny sizes: B = 3, d_t = 16, 5 layers cached of which 4 are fused, d_n = 5, 2×2 grid of
/// 8 channels, d_o = 10, d_f = 8, 2 heads, d_g = 4, 3 classes, dropout 0).
/// Tolerance: 1e-4 · max(1, |expected|) per element for logits, GGA weights and every
/// parameter gradient (training mode, batch statistics), and for evaluation-mode logits.
@Suite struct HGLNetParityTests {
    static let cases: [(String, [String])] = [
        ("full", []), ("no_text", ["no-text"]), ("no_image", ["no-image"]), ("no_hierarchy", ["no-hierarchy"]),
        ("no_gga", ["no-gga"]), ("no_crt", ["no-crt"]), ("no_residual", ["no-residual"]),
    ]

    static func tinyConfiguration(ablations: [String]) -> Data {
        let list = ablations.map { "\"\($0)\"" }.joined(separator: ", ")
        return Data(("""
        {"text_hidden_size": 16, "text_layer_count": 4, "text_length": 5, "image_channels": 8,
         "image_grid_height": 2, "image_grid_width": 2, "image_global_size": 10, "model_dimension": 8,
         "head_count": 2, "gate_dimension": 4, "crt_count": 2, "dropout": 0, "ablations": [\(list)]}
        """).utf8)
    }

    @Test(arguments: cases.map(\.0))
    func matchesReference(caseName: String) throws {
        let ablations = Self.cases.first { $0.0 == caseName }?.1 ?? []
        let fixture = try FusionFixture("hglnet_\(caseName)")
        let model = try ModelRegistry.make(id: "hglnet", config: Self.tinyConfiguration(ablations: ablations),
                                           classes: 3, seed: 9)
        let output = try checkParity(model, fixture, label: "hglnet \(caseName)")
        if let expectedWeights = fixture.tensors["output.gga.weights"] {
            guard let weights = output.intermediates["gga.weights"] else {
                Issue.record("hglnet \(caseName): no gga.weights intermediate")
                return
            }
            expectAllClose(weights, expectedWeights, "hglnet \(caseName) GGA weights")
            // Equations 6 and 7: the two weights of each sample and layer sum to one.
            for pair in stride(from: 0, to: weights.count, by: 2) {
                #expect(Swift.abs(weights.scalars[pair] + weights.scalars[pair + 1] - 1) < 1e-5)
            }
        } else {
            #expect(output.intermediates["gga.weights"] == nil)
        }
        model.eval()
        let evaluation = try withoutGradients { try model.forward(try fixture.inputs()) }
        expectAllClose(evaluation.logits, try fixture["output.eval_logits"], "hglnet \(caseName) eval logits")
    }

    @Test func attentionMapsAreRowStochastic() throws {
        let fixture = try FusionFixture("hglnet_full")
        let model = try ModelRegistry.make(id: "hglnet", config: Self.tinyConfiguration(ablations: []), classes: 3, seed: 9)
        try model.loadStateDict(fixture.entries("param."))
        model.eval()
        let output = try withoutGradients { try model.forward(try fixture.inputs()) }
        for layer in 0..<4 {
            for direction in ["text_to_image", "image_to_text"] {
                guard let map = output.intermediates["crt.\(layer).\(direction)"] else {
                    Issue.record("missing attention map crt.\(layer).\(direction)")
                    continue
                }
                #expect(map.shape == [3, 5, 5])
                let rowSums = map.sum(axis: 2).scalars
                #expect(rowSums.allSatisfy { Swift.abs($0 - 1) < 1e-5 })
            }
        }
    }

    @Test func missingModalityZeroesItsGateWeight() throws {
        let fixture = try FusionFixture("hglnet_full")
        let model = try ModelRegistry.make(id: "hglnet", config: Self.tinyConfiguration(ablations: []), classes: 3, seed: 9)
        try model.loadStateDict(fixture.entries("param."))
        model.eval()
        let full = try fixture.inputs()
        let masked = try ModelInputs(features: full.features, textPresent: [true, true, true], imagePresent: [false, true, true])
        let (a, b) = try withoutGradients { (try model.forward(full), try model.forward(masked)) }
        let rowA = a.logits.slice(axis: 0, 0..<1).scalars, rowB = b.logits.slice(axis: 0, 0..<1).scalars
        #expect(zip(rowA, rowB).contains { Swift.abs($0 - $1) > 1e-4 }, "a missing image changes sample 0")
        expectAllClose(b.logits.slice(axis: 0, 1..<3), a.logits.slice(axis: 0, 1..<3), "other samples unchanged")
    }
}
