import Foundation
import Testing
@testable import FusionModels

/// MSCF against the independent PyTorch reference of Tests/Fixtures/generate/mscf.py (tiny
/// sizes: B = 3, d_t = 12, n = 8, 4 grid positions of 10 channels, d_i = 8, 2 encoder layers
/// of 2 heads and feed-forward 16, vocabulary 20 with [PAD] 0, [CLS] 1, [SEP] 2, [mask] 3,
/// mask rate 0.4 (two tokens masked per sample), 3 classes, dropout 0).
/// Tolerance: 1e-4 · max(1, |expected|) per element for logits, the MLM loss, the masked
/// positions (exact) and the gradient of sum(logits · R) + Loss_mlm for every parameter, and
/// for evaluation-mode logits.
@Suite struct MSCFParityTests {
    static let cases: [(String, String, [String])] = [
        ("full", "fast", []), ("faithful", "faithful", []), ("no_mlm", "fast", ["no-mlm"]),
        ("no_cross_attention", "fast", ["no-cross-attention"]),
        ("no_mlm_no_cross_attention", "fast", ["no-mlm", "no-cross-attention"]),
        ("no_shared_parameters", "fast", ["no-shared-parameters"]),
    ]

    static func tinyConfiguration(mlm: String, ablations: [String]) -> Data {
        let list = ablations.map { "\"\($0)\"" }.joined(separator: ", ")
        return Data(("""
        {"text_hidden_size": 12, "text_length": 8, "image_channels": 10, "image_positions": 4, "model_dimension": 8,
         "layer_count": 2, "head_count": 2, "feed_forward_dimension": 16, "dropout": 0, "mask_rate": 0.4,
         "vocabulary_size": 20, "mask_token_id": 3, "special_token_ids": [0, 1, 2], "mlm": "\(mlm)", "ablations": [\(list)]}
        """).utf8)
    }

    /// The fixture's stand-in frozen text encoder: row `id` of `encoder_table` per token.
    static func tableEncoder(_ table: Tensor) -> ([[Int]]) throws -> Tensor {
        { ids in
            let rows = table.indexSelect(axis: 0, ids.flatMap { $0 })
            return rows.reshaped([ids.count, ids.first?.count ?? 0, table.shape[1]])
        }
    }

    @Test(arguments: cases.map(\.0))
    func matchesReference(caseName: String) throws {
        guard let entry = Self.cases.first(where: { $0.0 == caseName }) else {
            Issue.record("unknown case \(caseName)")
            return
        }
        let (mlm, ablations) = (entry.1, entry.2)
        let label = "mscf \(caseName)"
        let fixture = try FusionFixture("mscf_\(caseName)")
        let model = try ModelRegistry.make(id: "mscf", config: Self.tinyConfiguration(mlm: mlm, ablations: ablations),
                                           classes: 3, seed: 9)
        let mscf = try #require(model as? MSCF)
        mscf.textEncoder = Self.tableEncoder(try fixture["encoder_table"])
        try model.loadStateDict(fixture.entries("param."))
        let expectedGradients = fixture.entries("grad.param.")
        #expect(Set(model.namedParameters().map(\.0)) == Set(expectedGradients.keys), "\(label): parameter keys")
        model.train()
        let output = try model.forward(try fixture.inputs())
        expectAllClose(output.logits, try fixture["output.logits"], "\(label) logits")
        var total = (output.logits * (try fixture["upstream"])).sum()
        if let expectedLoss = fixture.tensors["output.mlm"] {
            let loss = try #require(output.auxiliaryLosses["mlm"], "\(label): no mlm loss")
            expectAllClose(loss, expectedLoss, "\(label) mlm loss")
            let selected = try #require(output.intermediates["mlm.selected"])
            #expect(selected.scalars == (try fixture["output.mlm.selected"]).scalars, "\(label): masked positions")
            total = total + loss
        } else {
            #expect(output.auxiliaryLosses.isEmpty)
        }
        total.backward()
        for (key, parameter) in model.namedParameters() {
            guard let expected = expectedGradients[key] else { continue }
            guard let gradient = parameter.grad else {
                Issue.record("\(label): no gradient for \(key)")
                continue
            }
            expectAllClose(gradient, expected, "\(label) grad \(key)")
        }
        model.eval()
        let evaluation = try withoutGradients { try model.forward(try fixture.inputs()) }
        expectAllClose(evaluation.logits, try fixture["output.eval_logits"], "\(label) eval logits")
        #expect(evaluation.auxiliaryLosses.isEmpty, "no MLM loss in evaluation")
    }

    /// Equation 19: a quarter of the maskable tokens (at least one), never [PAD]/[CLS]/[SEP],
    /// the ones of largest similarity to the image's global vector.
    @Test func maskingPicksTheMostImageSimilarTokens() {
        let scores = Tensor(shape: [2, 6], scalars: [0.9, 0.1, 0.5, 0.7, 0.3, 0.8,
                                                     0.2, 0.6, 0.4, 0.1, 0.9, 0.3])
        let ids = [[1, 7, 8, 9, 10, 2], [1, 5, 6, 7, 8, 0]]
        let selected = ImageGuidedMasking.select(scores: scores, tokenIds: ids, rate: 0.5, specialTokenIds: [0, 1, 2],
                                                 textPresent: [true, true])
        #expect(selected == [[2, 3], [1, 4]])
        let missing = ImageGuidedMasking.select(scores: scores, tokenIds: ids, rate: 0.25, specialTokenIds: [0, 1, 2],
                                                textPresent: [true, false])
        #expect(missing == [[3], []])
    }

    @Test func missingModalityChangesOnlyItsSample() throws {
        let fixture = try FusionFixture("mscf_full")
        let model = try ModelRegistry.make(id: "mscf", config: Self.tinyConfiguration(mlm: "fast", ablations: []), classes: 3, seed: 9)
        try model.loadStateDict(fixture.entries("param."))
        model.eval()
        let full = try fixture.inputs()
        let masked = try ModelInputs(features: full.features, textPresent: [true, false, true], imagePresent: [true, true, true])
        let (a, b) = try withoutGradients { (try model.forward(full), try model.forward(masked)) }
        let rowA = a.logits.slice(axis: 0, 1..<2).scalars, rowB = b.logits.slice(axis: 0, 1..<2).scalars
        #expect(zip(rowA, rowB).contains { Swift.abs($0 - $1) > 1e-4 }, "missing text changes sample 1")
        expectAllClose(b.logits.slice(axis: 0, 0..<1), a.logits.slice(axis: 0, 0..<1), "sample 0 unchanged")
        expectAllClose(b.logits.slice(axis: 0, 2..<3), a.logits.slice(axis: 0, 2..<3), "sample 2 unchanged")
        // Training: the sample without text has no masked token.
        model.train()
        let selected = try #require(try model.forward(masked).intermediates["mlm.selected"])
        #expect(selected.slice(axis: 0, 1..<2).scalars.allSatisfy { $0 == 0 })
        #expect(selected.sum().item == 4)
    }

    @Test func faithfulTrainingNeedsTheTextEncoder() throws {
        let fixture = try FusionFixture("mscf_faithful")
        let model = try ModelRegistry.make(id: "mscf", config: Self.tinyConfiguration(mlm: "faithful", ablations: []),
                                           classes: 3, seed: 9)
        model.train()
        #expect(throws: FusionModelError.self) { try model.forward(try fixture.inputs()) }
        model.eval()
        #expect(try model.forward(try fixture.inputs()).logits.shape == [3, 3])
    }

    /// Parameter counts of the MVSA presets equal the PyTorch reference's
    /// (Tests/Fixtures/fusion/mscf_parameter_counts.json from generate/mscf.py).
    @Test func presetParameterCountsMatchReference() throws {
        let data = try Data(contentsOf: FusionFixture.directory.appendingPathComponent("mscf_parameter_counts.json"))
        let expected = try JSONDecoder().decode([String: Int].self, from: data)
        #expect(expected.count == 2)
        for (preset, count) in expected {
            let model = try ModelRegistry.make(id: "mscf", preset: preset, seed: 1)
            #expect(model.parameterCount == count, "preset \(preset)")
        }
        let multiple = try #require(try ModelRegistry.make(id: "mscf", preset: "mvsa-multiple", seed: 1) as? MSCF)
        #expect(multiple.configuration.layerCount == 4)
        #expect(multiple.configuration.training == TrainingHyperparameters(learningRate: 4e-5, weightDecay: 0.01, batchSize: 64, epochs: 10))
    }

    @Test func requirementsFollowAblations() throws {
        let full = try ModelRegistry.make(id: "mscf", classes: 3, seed: 0)
        #expect(full.requirements.featureNames == ["text.layers", "image.grid", "text.token_ids"])
        let noMLM = try ModelRegistry.make(id: "mscf", config: Data(#"{"ablations": ["no-mlm"]}"#.utf8), classes: 3, seed: 0)
        #expect(noMLM.requirements.featureNames == ["text.layers", "image.grid"])
        #expect(!noMLM.namedParameters().contains { $0.0.hasPrefix("mlm_head.") || $0.0 == "mask_embedding" })
        #expect(throws: FusionModelError.self) {
            try ModelRegistry.make(id: "mscf", config: Data(#"{"mlm": "random"}"#.utf8), classes: 3, seed: 0)
        }
    }
}
