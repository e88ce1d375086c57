import Foundation
import Testing
@testable import FusionModels

/// SG-MFT against the independent PyTorch reference of Tests/Fixtures/generate/sgmft.py
/// (tiny sizes: B = 3, d_t = 12 with 2 cached layers of 5 tokens, 4 image tokens of width
/// d_i = 10, D = 8, 2 heads, d_h = 16, classifier 8-8-6-6-4-3, dropout 0).
/// Tolerance: 1e-4 · max(1, |expected|) per element for logits, P^m, P^e, every parameter
/// gradient (training mode) and evaluation-mode logits.
@Suite struct SGMFTParityTests {
    static let cases: [(String, [String])] = [
        ("full", []), ("no_sim", ["no-sim"]), ("no_sfm", ["no-sfm"]), ("no_sim_no_sfm", ["no-sim", "no-sfm"]),
        ("image_wise_ffn", ["image-wise-ffn"]), ("asymmetric_co_attention", ["asymmetric-co-attention"]),
        ("merge_attention", ["merge-attention"]), ("co_attention", ["co-attention"]),
    ]

    static func tinyConfiguration(ablations: [String]) -> Data {
        let list = ablations.map { "\"\($0)\"" }.joined(separator: ", ")
        return Data(("""
        {"text_hidden_size": 12, "image_hidden_size": 10, "model_dimension": 8, "head_count": 2,
         "feed_forward_dimension": 16, "classifier_hidden_sizes": [8, 6, 6, 4], "dropout": 0, "ablations": [\(list)]}
        """).utf8)
    }

    @Test(arguments: cases.map(\.0))
    func matchesReference(caseName: String) throws {
        let ablations = Self.cases.first { $0.0 == caseName }?.1 ?? []
        let fixture = try FusionFixture("sgmft_\(caseName)")
        let model = try ModelRegistry.make(id: "sgmft", config: Self.tinyConfiguration(ablations: ablations),
                                           classes: 3, seed: 5)
        let output = try checkParity(model, fixture, label: "sgmft \(caseName)")
        #expect(output.auxiliaryLosses.isEmpty, "the paper trains with cross-entropy alone (eq. 19)")
        if let expectedModality = fixture.tensors["output.modality_similarity"] {
            let modality = try #require(output.intermediates["sim.modality_similarity"])
            let element = try #require(output.intermediates["sim.element_similarity"])
            expectAllClose(modality, expectedModality, "sgmft \(caseName) P^m")
            expectAllClose(element, try fixture["output.element_similarity"], "sgmft \(caseName) P^e")
            // Equations 3 and 4: P^m over D and every row of P^e are distributions.
            #expect(modality.sum(axis: 1).scalars.allSatisfy { Swift.abs($0 - 1) < 1e-5 })
            #expect(element.sum(axis: 2).scalars.allSatisfy { Swift.abs($0 - 1) < 1e-5 })
        } else {
            #expect(output.intermediates["sim.modality_similarity"] == nil)
        }
        model.eval()
        let evaluation = try withoutGradients { try model.forward(try fixture.inputs()) }
        expectAllClose(evaluation.logits, try fixture["output.eval_logits"], "sgmft \(caseName) eval logits")
    }

    @Test func imageWiseSimilarityIsImageByText() throws {
        let fixture = try FusionFixture("sgmft_image_wise_ffn")
        let model = try ModelRegistry.make(id: "sgmft", config: Self.tinyConfiguration(ablations: ["image-wise-ffn"]),
                                           classes: 3, seed: 5)
        try model.loadStateDict(fixture.entries("param."))
        let output = try withoutGradients { try model.forward(try fixture.inputs()) }
        #expect(output.intermediates["sim.element_similarity"]?.shape == [3, 4, 5])
        let keys = Set(model.namedParameters().map(\.0))
        #expect(keys.contains("sim.image_ffn.similarity.weight") && !keys.contains("sim.text_ffn.similarity.weight"))
    }

    @Test func fusionAlternativesExcludeEachOther() {
        #expect(throws: FusionModelError.self) {
            try ModelRegistry.make(id: "sgmft", config: Self.tinyConfiguration(ablations: ["no-sfm", "merge-attention"]),
                                   classes: 3, seed: 5)
        }
    }

    @Test func missingImageChangesOnlyItsSample() throws {
        let fixture = try FusionFixture("sgmft_full")
        let model = try ModelRegistry.make(id: "sgmft", config: Self.tinyConfiguration(ablations: []), classes: 3, seed: 5)
        try model.loadStateDict(fixture.entries("param."))
        model.eval()
        let full = try fixture.inputs()
        let masked = try ModelInputs(features: full.features, textPresent: [true, true, true], imagePresent: [false, true, true])
        let (a, b) = try withoutGradients { (try model.forward(full), try model.forward(masked)) }
        let rowA = a.logits.slice(axis: 0, 0..<1).scalars, rowB = b.logits.slice(axis: 0, 0..<1).scalars
        #expect(zip(rowA, rowB).contains { Swift.abs($0 - $1) > 1e-4 }, "a missing image changes sample 0")
        expectAllClose(b.logits.slice(axis: 0, 1..<3), a.logits.slice(axis: 0, 1..<3), "other samples unchanged")
    }

    /// The Weibo preset's parameter count equals the PyTorch reference's
    /// (Tests/Fixtures/fusion/sgmft_parameter_counts.json from generate/sgmft.py).
    @Test func presetParameterCountMatchesReference() throws {
        let data = try Data(contentsOf: FusionFixture.directory.appendingPathComponent("sgmft_parameter_counts.json"))
        let expected = try JSONDecoder().decode([String: Int].self, from: data)
        #expect(expected.count == 1)
        for (preset, count) in expected {
            let model = try ModelRegistry.make(id: "sgmft", preset: preset, seed: 1)
            #expect(model.parameterCount == count, "preset \(preset)")
        }
        let model = try ModelRegistry.make(id: "sgmft", preset: "weibo", ablations: ["no-sfm"], seed: 1)
        let sgmft = try #require(model as? SGMFT)
        #expect(sgmft.configuration.headCount == 8 && sgmft.configuration.modelDimension == 1024)
        #expect(sgmft.configuration.training == TrainingHyperparameters(learningRate: 1e-5, weightDecay: 0, batchSize: 20, epochs: 30))
        #expect(!model.namedParameters().contains { $0.0.hasPrefix("sfm_") })
        #expect(model.requirements.featureNames == ["text.layers", "image.grid"])
        #expect(model.requirements.textLayerCount == 1)
    }
}
