import Foundation
import Testing
import Tensors
@testable import Encoders

/// ViT against `transformers` `ViTModel` with pooler (Tests/Fixtures/generate/clip.py),
/// tolerance 1e-4 (mixed absolute/relative).
@Suite struct ViTParityTests {
    @Test func folderMatchesTransformers() throws {
        let io = try CLIPFixtures.tensors("tiny-vit-io.safetensors")
        let model = try ViTModel(directory: try CLIPFixtures.directory("tiny-vit"))
        model.eval()
        #expect(model.config.layerNormEpsilon == 1e-12 && model.config.attentionHeadCount == 4)
        let output = try withoutGradients { try model(try CLIPFixtures.reference(io, "pixel_values")) }
        #expect(maximumMixedError(output.lastHiddenState, try CLIPFixtures.reference(io, "last_hidden_state")) <= CLIPFixtures.tolerance)
        let pooled = try #require(output.pooled)
        #expect(maximumMixedError(pooled, try CLIPFixtures.reference(io, "pooled_output")) <= CLIPFixtures.tolerance)
        #expect(output.patchTokens.shape == [2, 16, 32])
    }

    @Test func namedParametersFollowTheCheckpoint() throws {
        let model = try ViTModel(directory: try CLIPFixtures.directory("tiny-vit"))
        let archive = try TensorArchive(contentsOf: CLIPFixtures.url("tiny-vit/model.safetensors"))
        #expect(Set(model.stateDict().keys) == Set(archive.names))
        #expect(throws: CLIPError.self) { try model(Tensor.zeros([1, 3, 16, 16])) }
    }
}
