import Foundation
import Testing
import Tensors
import NeuralNetwork
@testable import Encoders

/// EfficientNet-Lite parity: a width-0.125 random model against `efficientnet_lite_pytorch`
/// (Tests/Fixtures/generate/vision.py; max |ours − PyTorch| ≤ 1e-4 · max(1, max |PyTorch|)) at 48x48
/// and 37x37 ("SAME" padding split differently), and the real Lite0 weights (`make weights`)
/// on the committed synthetic images: logits and pooled features within 1e-3 of the largest
/// reference magnitude, identical top-1 classes.
@Suite struct EfficientNetTests {
    static let tolerance: Float = 1e-4

    @Test func tinyModelMatchesPyTorchAtEvenAndOddSizes() throws {
        let io = try VisionFixtures.io("efficientnet_lite0_tiny")
        let model = try VisionModels.load(contentsOf: VisionFixtures.weightsURL("efficientnet_lite0_tiny"))
        let efficientNet = try #require(model as? EfficientNetLite)
        #expect(efficientNet.config == EfficientNetLiteConfig(widthCoefficient: 0.125, numClasses: 10,
                                                              fixedStemAndHead: false))
        for prefix in ["", "odd."] {
            let input = try #require(io[prefix + "input"])
            let features = withoutGradients { model.features(input, outputs: [.grid, .pooled, .logits]) }
            expectCloseRelativeToScale(features.grid, io[prefix + "grid"], tolerance: Self.tolerance, prefix + "grid")
            expectCloseRelativeToScale(features.pooled, io[prefix + "pooled"], tolerance: Self.tolerance, prefix + "pooled")
            expectCloseRelativeToScale(features.logits, io[prefix + "logits"], tolerance: Self.tolerance, prefix + "logits")
        }
    }

    @Test func separateBatchNormMatchesFolded() throws {
        let io = try VisionFixtures.io("efficientnet_lite0_tiny")
        let model = try VisionModels.load(contentsOf: VisionFixtures.weightsURL("efficientnet_lite0_tiny"),
                                          batchNorm: .separate)
        let input = try #require(io["input"])
        let logits = withoutGradients { model.features(input, outputs: .logits).logits }
        expectCloseRelativeToScale(logits, io["logits"], tolerance: Self.tolerance, "logits")
    }

    @Test func tensorFlowSamePaddingPutsTheOddZeroAfter() {
        #expect(Convolution2d.samePadding(224, kernel: 3, stride: 2) == (0, 1))
        #expect(Convolution2d.samePadding(112, kernel: 5, stride: 2) == (1, 2))
        #expect(Convolution2d.samePadding(37, kernel: 3, stride: 2) == (1, 1))
        #expect(Convolution2d.samePadding(14, kernel: 5, stride: 1) == (2, 2))
        #expect(Convolution2d.samePadding(7, kernel: 1, stride: 1) == (0, 0))
    }

    @Test func pretrainedLite0MatchesPyTorch() throws {
        let url = try VisionFixtures.pretrainedWeights("efficientnet-lite0/efficientnet-lite0-57934424.pth")
        let model = try VisionModels.load(contentsOf: url)
        let efficientNet = try #require(model as? EfficientNetLite)
        #expect(efficientNet.config == EfficientNetLiteConfig())
        #expect(efficientNet.stateDict().count == 296)
        let images = try VisionFixtures.syntheticImages()
        let features = withoutGradients { model.features(images, outputs: [.pooled, .logits]) }
        let reference = try VisionFixtures.pretrainedReference()
        expectCloseRelativeToScale(features.logits, reference["efficientnet.logits"], tolerance: 1e-3, "logits")
        expectCloseRelativeToScale(features.pooled, reference["efficientnet.pooled"], tolerance: 1e-3, "pooled")
        let logits = try #require(features.logits)
        #expect(logits.argmax(axis: 1) == (try #require(reference["efficientnet.logits"])).argmax(axis: 1))
    }
}
