import Foundation
import Testing
import Tensors
import NeuralNetwork
@testable import Encoders

/// ResNet parity with the torchvision-named reference in Tests/Fixtures/generate/vision.py
/// (random float16-rounded weights, random batch-norm statistics). Tolerance for every output:
/// max |ours − PyTorch| ≤ 1e-4 · max(1, max |PyTorch|).
@Suite struct ResNetTests {
    static let tolerance: Float = 1e-4

    func checkAll(_ model: any VisionBackbone, _ io: [String: Tensor], stages: [String]) {
        let input = io["input"] ?? Tensor.zeros([0])
        let features = withoutGradients { model.features(input, outputs: [.stages, .grid, .pooled, .logits]) }
        #expect(features.stages.map(\.name) == stages)
        for name in stages {
            expectCloseRelativeToScale(features.stage(name), io["stage." + name], tolerance: Self.tolerance, name)
        }
        expectCloseRelativeToScale(features.grid, io["grid"], tolerance: Self.tolerance, "grid")
        expectCloseRelativeToScale(features.pooled, io["pooled"], tolerance: Self.tolerance, "pooled")
        expectCloseRelativeToScale(features.logits, io["logits"], tolerance: Self.tolerance, "logits")
        // Tokens are the grid read position-major: tokens[n, i·w + j, c] = grid[n, c, i, j].
        if let grid = io["grid"] {
            let (n, c, h, w) = (grid.shape[0], grid.shape[1], grid.shape[2], grid.shape[3])
            let expectedTokens = grid.reshaped([n, c, h * w]).permuted([0, 2, 1])
            expectCloseRelativeToScale(features.gridTokens, expectedTokens, tolerance: Self.tolerance, "tokens")
        }
    }

    @Test func resnet18ShapedMatchesPyTorchWithFoldedBatchNorm() throws {
        let model = try VisionModels.load(contentsOf: VisionFixtures.weightsURL("resnet18_tiny"))
        let resnet = try #require(model as? ResNet)
        #expect(resnet.config == ResNetConfig(depth: 18, numClasses: 10, baseWidth: 4))
        #expect(resnet.batchNormMode == .folded)
        #expect(model.featureSize == 32)
        checkAll(model, try VisionFixtures.io("resnet18_tiny"), stages: ["stem", "layer1", "layer2", "layer3", "layer4"])
    }

    @Test func resnet50ShapedMatchesPyTorchWithFoldedBatchNorm() throws {
        let model = try VisionModels.load(contentsOf: VisionFixtures.weightsURL("resnet50_tiny"))
        let resnet = try #require(model as? ResNet)
        #expect(resnet.config == ResNetConfig(depth: 50, numClasses: 10, baseWidth: 4))
        checkAll(model, try VisionFixtures.io("resnet50_tiny"), stages: ["stem", "layer1", "layer2", "layer3", "layer4"])
    }

    @Test func separateBatchNormMatchesInEvalAndUsesBatchStatisticsInTraining() throws {
        let io = try VisionFixtures.io("resnet18_tiny")
        let model = try VisionModels.load(contentsOf: VisionFixtures.weightsURL("resnet18_tiny"), batchNorm: .separate)
        checkAll(model, io, stages: ["stem", "layer1", "layer2", "layer3", "layer4"])
        model.train()
        let input = try #require(io["input"])
        let trained = withoutGradients { model.features(input, outputs: .logits) }
        expectCloseRelativeToScale(trained.logits, io["train_logits"], tolerance: Self.tolerance, "train logits")
        // Batch statistics differ from the running ones, so the check above is not the eval output again.
        let difference = try #require(io["train_logits"]).scalars.enumerated()
            .map { Swift.abs($0.element - (io["logits"]?.scalars[$0.offset] ?? 0)) }.max() ?? 0
        #expect(difference > 1e-2)
    }

    @Test func gradientsReachTheWeightsWithSeparateBatchNorm() throws {
        let io = try VisionFixtures.io("resnet18_tiny")
        let model = try VisionModels.load(contentsOf: VisionFixtures.weightsURL("resnet18_tiny"), batchNorm: .separate)
        let input = try #require(io["input"])
        let logits = try #require(model.features(input, outputs: .logits).logits)
        logits.sum().backward()
        let named = Dictionary(uniqueKeysWithValues: model.namedParameters())
        for key in ["conv1.weight", "layer1.0.bn2.weight", "layer4.0.downsample.0.weight", "fc.bias"] {
            let gradient = try #require(named[key]?.grad, "no gradient for \(key)")
            #expect(gradient.scalars.contains { $0 != 0 }, "\(key) gradient is all zero")
        }
        // d(sum of logits)/d fc.bias is 1 per class and per image.
        expectClose(named["fc.bias"]?.grad, Tensor(repeating: 2, shape: [10]), absolute: 1e-5, "fc.bias gradient")
    }

    @Test func stateDictUsesTorchvisionKeys() throws {
        let checkpoint = try VisionFixtures.weights("resnet50_tiny")
        let model = try VisionModels.load(tensors: checkpoint, source: "resnet50_tiny")
        #expect(Set(model.stateDict().keys) == Set(checkpoint.keys))
        let state = model.stateDict()
        expectClose(state["layer3.0.downsample.1.running_var"], checkpoint["layer3.0.downsample.1.running_var"],
                    absolute: 0, "running_var")
    }

    @Test func featureOnlyCheckpointHasNoLogits() throws {
        var checkpoint = try VisionFixtures.weights("resnet18_tiny")
        checkpoint["fc.weight"] = nil
        checkpoint["fc.bias"] = nil
        let model = try VisionModels.load(tensors: checkpoint, source: "features-only")
        #expect(model.classCount == nil)
        let io = try VisionFixtures.io("resnet18_tiny")
        let features = model.features(try #require(io["input"]), outputs: [.pooled, .logits])
        #expect(features.logits == nil)
        expectCloseRelativeToScale(features.pooled, io["pooled"], tolerance: Self.tolerance, "pooled")
    }

    @Test func wrappedKeysLoadAfterDroppingThePrefix() throws {
        let checkpoint = try VisionFixtures.weights("resnet18_tiny")
        let wrapped = Dictionary(uniqueKeysWithValues: checkpoint.map { ("module." + $0.key, $0.value) })
        let model = try VisionModels.load(tensors: wrapped, source: "wrapped")
        let io = try VisionFixtures.io("resnet18_tiny")
        let logits = model.features(try #require(io["input"]), outputs: .logits).logits
        expectCloseRelativeToScale(logits, io["logits"], tolerance: Self.tolerance, "logits")
    }

    @Test func strictLoadingNamesMissingUnexpectedAndMisshapedKeys() throws {
        let checkpoint = try VisionFixtures.weights("resnet18_tiny")
        var missing = checkpoint
        missing["layer2.1.bn1.running_mean"] = nil
        #expect {
            try VisionModels.load(tensors: missing, source: "missing", architecture: .resnet18)
        } throws: { error in
            guard case let .missingKey(key, _) = error as? WeightLoadingError else { return false }
            return key == "layer2.1.bn1.running_mean"
        }
        var extra = checkpoint
        extra["layer2.1.extra.weight"] = Tensor.zeros([3])
        #expect {
            try VisionModels.load(tensors: extra, source: "extra")
        } throws: { error in
            (error as? WeightLoadingError) == .unusedKeys(["layer2.1.extra.weight"])
        }
        var misshaped = checkpoint
        misshaped["layer3.0.conv2.weight"] = Tensor.zeros([16, 16, 1, 3])
        #expect {
            try VisionModels.load(tensors: misshaped, source: "misshaped")
        } throws: { error in
            (error as? WeightLoadingError) == .shapeMismatch(key: "layer3.0.conv2.weight", expected: [16, 16, 3, 3],
                                                             found: [16, 16, 1, 3])
        }
        #expect(throws: VisionModelError.self) {
            try VisionModels.load(tensors: checkpoint, source: "wrong depth", architecture: .resnet34)
        }
    }

    @Test func configInferenceAndDecoding() throws {
        let shapes = try VisionFixtures.weights("resnet50_tiny").mapValues(\.shape)
        #expect(try VisionArchitecture.infer(fromShapes: shapes, source: "s") == .resnet50)
        let json = #"{"depth": 101, "num_classes": 7}"#
        let decoded = try JSONDecoder().decode(ResNetConfig.self, from: Data(json.utf8))
        #expect(decoded == ResNetConfig(depth: 101, numClasses: 7, baseWidth: 64))
        #expect(decoded.blockCounts == [3, 4, 23, 3])
        #expect(decoded.featureSize == 2048)
        #expect(ResNetConfig(depth: 34).featureSize == 512)
    }

    @Test func randomResNet50HasTorchvisionShapes() throws {
        let model = try ResNet(config: ResNetConfig(depth: 50, numClasses: 1000), seed: 1)
        #expect(model.parameterCount == 25_557_032)
        let images = Tensor.zeros([1, 3, 64, 64])
        let features = withoutGradients { model.features(images, outputs: [.grid, .stages, .logits]) }
        #expect(features.stage("stem")?.shape == [1, 64, 32, 32])
        #expect(features.stage("layer1")?.shape == [1, 256, 16, 16])
        #expect(features.grid?.shape == [1, 2048, 2, 2])
        #expect(features.gridTokens?.shape == [1, 4, 2048])
        #expect(features.logits?.shape == [1, 1000])
    }
}
