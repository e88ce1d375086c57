import Foundation
import Testing
@testable import FusionModels

/// The baselines against the PyTorch reference of Tests/Fixtures/generate/baselines.py
/// (d_t = 16, C = 8, hidden 12, attention width 8 with 2 heads, 3 classes, dropout 0).
/// Tolerance: 1e-4 · max(1, |expected|) per element for logits and parameter gradients.
@Suite struct BaselineParityTests {
    static let configuration = Data(#"""
    {"text_hidden_size": 16, "image_channels": 8, "hidden_size": 12, "model_dimension": 8, "head_count": 2, "dropout": 0}
    """#.utf8)

    @Test(arguments: ["text-only", "image-only", "concat", "late-fusion", "attention-fusion"])
    func matchesReference(id: String) throws {
        let fixture = try FusionFixture("baseline_\(id)")
        let model = try ModelRegistry.make(id: id, config: Self.configuration, classes: 3, seed: 4)
        _ = try checkParity(model, fixture, label: id)
    }

    @Test func lateFusionAveragesOnlyPresentModalities() throws {
        let fixture = try FusionFixture("baseline_late-fusion")
        let model = try ModelRegistry.make(id: "late-fusion", config: Self.configuration, classes: 3, seed: 4)
        try model.loadStateDict(fixture.entries("param."))
        let full = try fixture.inputs()
        let inputs = try ModelInputs(features: full.features,
                                     textPresent: try fixture["input.text_present"].scalars.map { $0 != 0 },
                                     imagePresent: try fixture["input.image_present"].scalars.map { $0 != 0 })
        let output = try withoutGradients { try model.forward(inputs) }
        expectAllClose(output.logits, try fixture["output.masked_logits"], "late-fusion masked logits")
    }
}
