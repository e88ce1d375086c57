import Foundation
import Testing
import Tensors
import NeuralNetwork
@testable import Encoders

/// Swin Transformer parity with Hugging Face transformers (`SwinModel`,
/// `SwinForImageClassification`) and timm (`SwinTransformer`) on the tiny random-weight
/// model of Tests/Fixtures/generate/swin.py (image 64, patch 2, embed 6, depths 2-2-2-2,
/// heads 1-2-3-4, window 4). Tolerance for every output: max |ours − reference| ≤ 1e-4.
@Suite struct SwinTests {
    static let tolerance: Float = 1e-4
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/swin")
    static let tinyConfig = SwinConfig(patchSize: 2, embeddingSize: 6, depths: [2, 2, 2, 2], headCounts: [1, 2, 3, 4],
                                       windowSize: 4)

    static func io() throws -> [String: Tensor] {
        try SafetensorsFile(contentsOf: directory.appendingPathComponent("io.safetensors")).tensors()
    }

    static func timmWeights() throws -> [String: Tensor] {
        try SafetensorsFile(contentsOf: directory.appendingPathComponent("timm_swin.safetensors")).tensors()
    }

    func expectMatches(_ actual: Tensor?, _ expected: Tensor?, _ what: String,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        expectClose(actual, expected, absolute: Self.tolerance, what, sourceLocation: sourceLocation)
    }

    @Test func huggingFaceModelFolderMatchesTransformersEveryStage() throws {
        let model = try VisionModels.load(contentsOf: Self.directory.appendingPathComponent("hf_model"))
        let swin = try #require(model as? SwinTransformer)
        #expect(swin.config == Self.tinyConfig)
        #expect(model.classCount == nil && model.featureSize == 48)
        let io = try Self.io()
        let images = try #require(io["images"])
        let features = model.features(images, outputs: [.stages, .grid, .pooled, .logits])
        #expect(features.stages.map(\.name) == ["stem", "stage1", "stage2", "stage3", "stage4"])
        for name in model.stageNames { expectMatches(features.stage(name), io["stage." + name], name) }
        expectMatches(features.gridTokens, io["tokens"], "tokens")
        expectMatches(features.pooled, io["pooled"], "pooled")
        #expect(features.logits == nil)
        // grid is the tokens as NCHW: grid[n, c, i, j] = tokens[n, i·4 + j, c].
        let tokens = try #require(io["tokens"])
        expectMatches(features.grid, tokens.permuted([0, 2, 1]).reshaped([2, 48, 4, 4]), "grid")
        // The per-stage outputs really differ from stage to stage (the check is not vacuous).
        #expect(features.stage("stage1")?.shape == [2, 6, 32, 32] && features.stage("stage4")?.shape == [2, 48, 4, 4])
    }

    @Test func huggingFaceClassifierFolderGivesTheLogits() throws {
        let model = try VisionModels.load(contentsOf: Self.directory.appendingPathComponent("hf_classifier"))
        #expect(model.classCount == 5)
        let io = try Self.io()
        let features = model.features(try #require(io["images"]), outputs: [.pooled, .logits])
        expectMatches(features.logits, io["logits"], "logits")
        expectMatches(features.pooled, io["pooled"], "pooled")
    }

    @Test func oddImageSizesArePaddedAsTransformersPads() throws {
        let model = try VisionModels.load(contentsOf: Self.directory.appendingPathComponent("hf_model"))
        let io = try Self.io()
        // 57x53 → 29x27 patches (padded to 32x28 for the windows) → 15x14 → 8x7 → 4x4.
        let features = model.features(try #require(io["odd_images"]), outputs: [.grid, .pooled])
        expectMatches(features.gridTokens, io["odd_tokens"], "odd tokens")
        expectMatches(features.pooled, io["odd_pooled"], "odd pooled")
    }

    @Test func timmCheckpointMatchesTimmsOwnModel() throws {
        let url = Self.directory.appendingPathComponent("timm_swin.safetensors")
        let model = try VisionModels.load(contentsOf: url)
        let swin = try #require(model as? SwinTransformer)
        var expected = Self.tinyConfig
        expected.numClasses = 5
        #expect(swin.config == expected)
        let io = try Self.io()
        let features = model.features(try #require(io["images"]), outputs: [.grid, .pooled, .logits])
        expectMatches(features.logits, io["timm_logits"], "timm logits")
        expectMatches(features.pooled, io["timm_pooled"], "timm pooled")
        expectMatches(features.gridTokens, io["tokens"], "tokens (Hugging Face reference, same weights)")
    }

    @Test func legacyTimmLayoutLoadsToTheSameModel() throws {
        // Original Microsoft / timm < 0.9 files: patch merging at the end of stage S, classifier
        // `head`, persistent relative_position_index and attn_mask buffers.
        var legacy: [String: Tensor] = [:]
        for (key, value) in try Self.timmWeights() {
            var name = key
            let parts = key.split(separator: ".", maxSplits: 3).map(String.init)
            if parts.count == 4, parts[0] == "layers", parts[2] == "downsample", let stage = Int(parts[1]) {
                name = "layers.\(stage - 1).downsample.\(parts[3])"
            }
            if name.hasPrefix("head.fc.") { name = "head." + name.dropFirst("head.fc.".count) }
            legacy[name] = value
        }
        legacy["layers.0.blocks.0.attn.relative_position_index"] = Tensor.zeros([16, 16])
        legacy["layers.0.blocks.1.attn_mask"] = Tensor.zeros([64, 16, 16])
        #expect(SwinWeightNames.detectLayout(legacy.keys) == .timmLegacy)
        let model = try VisionModels.load(tensors: legacy, source: "legacy")
        let io = try Self.io()
        let features = model.features(try #require(io["images"]), outputs: .logits)
        expectMatches(features.logits, io["timm_logits"], "legacy logits")
    }

    @Test func renameTableMapsEachLayoutToHuggingFaceNames() {
        let cases: [(String, SwinWeightNames.Layout, String)] = [
            ("patch_embed.proj.weight", .timm, "embeddings.patch_embeddings.projection.weight"),
            ("patch_embed.norm.bias", .timm, "embeddings.norm.bias"),
            ("layers.2.blocks.1.norm1.weight", .timm, "encoder.layers.2.blocks.1.layernorm_before.weight"),
            ("layers.2.blocks.1.attn.qkv.bias", .timm, "encoder.layers.2.blocks.1.attention.self.qkv.bias"),
            ("layers.0.blocks.0.attn.relative_position_bias_table", .timm,
             "encoder.layers.0.blocks.0.attention.self.relative_position_bias_table"),
            ("layers.3.blocks.0.attn.proj.weight", .timm, "encoder.layers.3.blocks.0.attention.output.dense.weight"),
            ("layers.1.blocks.0.mlp.fc2.bias", .timm, "encoder.layers.1.blocks.0.output.dense.bias"),
            ("layers.2.downsample.reduction.weight", .timm, "encoder.layers.1.downsample.reduction.weight"),
            ("layers.2.downsample.reduction.weight", .timmLegacy, "encoder.layers.2.downsample.reduction.weight"),
            ("norm.weight", .timm, "layernorm.weight"),
            ("head.fc.bias", .timm, "classifier.bias"),
            ("head.weight", .timmLegacy, "classifier.weight"),
            ("swin.encoder.layers.0.blocks.0.output.dense.weight", .huggingFace,
             "encoder.layers.0.blocks.0.output.dense.weight"),
            ("swin.encoder.layers.1.blocks.1.attention.q_proj.weight", .huggingFace,
             "encoder.layers.1.blocks.1.attention.self.query.weight"),
            ("encoder.layers.1.blocks.1.attention.relative_position_bias.relative_position_bias_table", .huggingFace,
             "encoder.layers.1.blocks.1.attention.self.relative_position_bias_table"),
            ("encoder.layers.0.blocks.0.mlp.fc1.bias", .huggingFace, "encoder.layers.0.blocks.0.intermediate.dense.bias"),
            ("classifier.weight", .huggingFace, "classifier.weight"),
        ]
        for (key, layout, expected) in cases {
            #expect(SwinWeightNames.rename(key, layout: layout) == expected, "\(key) (\(layout))")
        }
    }

    @Test func loadingIsStrictAndNamesTheKey() throws {
        var missing = try Self.timmWeights()
        missing["layers.1.blocks.1.mlp.fc1.weight"] = nil
        #expect(throws: WeightLoadingError.self) { try VisionModels.load(tensors: missing, source: "missing") }
        do {
            _ = try VisionModels.load(tensors: missing, source: "missing")
        } catch let WeightLoadingError.missingKey(key, _) {
            #expect(key == "encoder.layers.1.blocks.1.intermediate.dense.weight")
        }
        var extra = try Self.timmWeights()
        extra["layers.0.blocks.0.attn.extra"] = Tensor.zeros([1])
        #expect(throws: WeightLoadingError.unusedKeys(["encoder.layers.0.blocks.0.attn.extra"])) {
            try VisionModels.load(tensors: extra, source: "extra")
        }
        var misshaped = try Self.timmWeights()
        misshaped["layers.0.blocks.1.attn.proj.weight"] = Tensor.zeros([6, 5])
        #expect(throws: WeightLoadingError.shapeMismatch(key: "encoder.layers.0.blocks.1.attention.output.dense.weight",
                                                         expected: [6, 6], found: [6, 5])) {
            try VisionModels.load(tensors: misshaped, source: "misshaped")
        }
    }

    @Test func windowGeometryShiftsPadsAndMasks() throws {
        // 6x5 map, window 4, shift 2: padded to 8x8, four windows per image.
        let geometry = WindowGeometry(batch: 2, height: 6, width: 5, window: 4, shifted: true)
        #expect(geometry.window == 4 && geometry.shift == 2 && geometry.paddedHeight == 8 && geometry.paddedWidth == 8)
        // Every map position goes to one window row and comes back from it.
        var seen = Set<Int>()
        for b in 0..<2 {
            for y in 0..<6 {
                for x in 0..<5 {
                    let row = geometry.windowRow(b, y, x)
                    seen.insert(row)
                    let back = try #require(geometry.mapPosition(ofWindowRow: row))
                    #expect(back.b == b && back.y == y && back.x == x)
                }
            }
        }
        #expect(seen.count == 60)
        // Position (2, 2) rolls to (0, 0): the first token of the first window.
        #expect(geometry.windowRow(0, 2, 2) == 0)
        let mask = try #require(geometry.shiftMask())
        #expect(mask.shape == [4, 16, 16])
        // Window 0 holds one region (no masking); the last window mixes four regions: token 0
        // (band 1, 1) and token 15 (band 2, 2) are masked, tokens 0 and 1 share a region.
        #expect(mask.slice(axis: 0, 0..<1).scalars.allSatisfy { $0 == 0 })
        let last = mask.slice(axis: 0, 3..<4).scalars
        #expect(last[0 * 16 + 15] == -100 && last[0 * 16 + 1] == 0 && last[0 * 16 + 2] == -100)
        // A map no larger than the window keeps one unshifted window of the map's shorter side.
        let small = WindowGeometry(batch: 1, height: 4, width: 6, window: 7, shifted: true)
        #expect(small.window == 4 && small.shift == 0 && small.paddedWidth == 8 && small.shiftMask() == nil)
    }

    @Test func swinTinyRandomModelHasTheDocumentedShapes() throws {
        let model = try SwinTransformer(config: SwinConfig(numClasses: 10), seed: 3)
        // transformers' SwinForImageClassification(SwinConfig(num_labels=10)): 221 tensors, 27,527,044 values.
        let parameters = model.namedParameters()
        #expect(parameters.count == 221)
        #expect(parameters.reduce(0) { $0 + $1.1.count } == 27_527_044)
        var generator = RandomGenerator(seed: 4)
        let images = Tensor.randn([1, 3, 224, 224], generator: &generator)
        let features = model.features(images, outputs: [.stages, .grid, .pooled, .logits])
        #expect(features.stages.map(\.map.shape) == [[1, 96, 56, 56], [1, 96, 56, 56], [1, 192, 28, 28],
                                                     [1, 384, 14, 14], [1, 768, 7, 7]])
        #expect(features.gridTokens?.shape == [1, 49, 768])
        #expect(features.pooled?.shape == [1, 768] && features.logits?.shape == [1, 10])
        #expect(features.pooled?.scalars.allSatisfy(\.isFinite) == true)
    }
}
