import Foundation
import Testing
@testable import FusionModels

/// Every model reports `intermediates["fused"]`, the representation its classifier reads,
/// with the batch as first axis; for single-layer classifiers the logits are that layer
/// applied to it.
@Suite struct FusedIntermediateTests {
    static let baseline = Data(#"{"text_hidden_size": 8, "image_channels": 8, "hidden_size": 16, "model_dimension": 8, "head_count": 2}"#.utf8)
    static let hglnet = Data(#"""
        {"text_hidden_size": 8, "text_layer_count": 4, "text_length": 4, "image_channels": 8, "image_grid_height": 2,
         "image_grid_width": 2, "image_global_size": 6, "model_dimension": 8, "head_count": 2, "gate_dimension": 4}
        """#.utf8)
    static let sgmft = Data(#"""
        {"text_hidden_size": 8, "image_hidden_size": 8, "model_dimension": 8, "head_count": 2,
         "feed_forward_dimension": 16, "classifier_hidden_sizes": [16, 16, 8, 8]}
        """#.utf8)
    static let mscf = Data(#"""
        {"text_hidden_size": 8, "text_length": 4, "image_channels": 8, "image_positions": 4, "model_dimension": 8,
         "layer_count": 1, "head_count": 2, "feed_forward_dimension": 16, "vocabulary_size": 50, "mask_token_id": 3,
         "special_token_ids": [0, 1, 2], "ablations": ["no-mlm"]}
        """#.utf8)

    static func close(_ left: Tensor, _ right: Tensor) -> Bool {
        left.shape == right.shape && zip(left.scalars, right.scalars).allSatisfy { abs($0 - $1) <= 1e-5 * (1 + abs($1)) }
    }

    @Test func everyModelReportsTheRepresentationItsClassifierReads() throws {
        let task = FusionLearningTests.makeTask(count: 6, seed: 11)
        let batch = try ModelInputs(features: task.features)
        let configurations: [String: Data] = [
            "hglnet": Self.hglnet, "sgmft": Self.sgmft, "mscf": Self.mscf, "text-only": Self.baseline,
            "image-only": Self.baseline, "concat": Self.baseline, "late-fusion": Self.baseline,
            "attention-fusion": Self.baseline,
        ]
        // BMLHF and INFIG test their own `fused` output in their suites.
        #expect(Set(configurations.keys).union(["bmlhf", "infig"]) == Set(ModelRegistry.ids))
        for (id, configuration) in configurations {
            let model = try ModelRegistry.make(id: id, config: configuration, classes: 3, seed: 4)
            model.eval()
            let output = try withoutGradients { try model.forward(batch) }
            let fused = try #require(output.intermediates["fused"], "\(id) reports no fused representation")
            #expect(fused.rank == 2 && fused.shape[0] == 6, "\(id) fused shape \(fused.shape)")
            let logits: Tensor? = withoutGradients {
                switch model {
                case let model as HGLNet: return model.classifier(fused)
                case let model as MSCF: return model.classifier(fused)
                case let model as AttentionFusionBaseline: return model.classifier(fused)
                case let model as ConcatFusionBaseline: return model.head.classifier(fused)
                case let model as UnimodalBaseline: return model.head.classifier(fused)
                default: return nil
                }
            }
            if let logits { #expect(Self.close(logits, output.logits), "\(id): classifier(fused) differs from the logits") }
        }
    }
}
