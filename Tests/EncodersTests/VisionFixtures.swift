import Foundation
import Testing
import Tensors
@testable import Encoders

/// Fixtures written by Tests/Fixtures/generate/vision.py.
enum VisionFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/vision")

    /// `<name>_weights.safetensors`.
    static func weightsURL(_ name: String) -> URL { directory.appendingPathComponent(name + "_weights.safetensors") }

    /// Every tensor of `<name>_io.safetensors`.
    static func io(_ name: String) throws -> [String: Tensor] {
        try SafetensorsFile(contentsOf: directory.appendingPathComponent(name + "_io.safetensors")).tensors()
    }

    /// Every tensor of a weights fixture.
    static func weights(_ name: String) throws -> [String: Tensor] {
        try SafetensorsFile(contentsOf: weightsURL(name)).tensors()
    }

    /// The reference outputs computed with the real pretrained weights.
    static func pretrainedReference() throws -> [String: Tensor] {
        try SafetensorsFile(contentsOf: directory.appendingPathComponent("pretrained_reference.safetensors")).tensors()
    }

    /// The committed synthetic 224x224 images, scaled to [0, 1] and normalised with the
    /// ImageNet mean and standard deviation (no resize or crop), as [3, 3, 224, 224].
    static func syntheticImages() throws -> Tensor {
        let decoder = ImageDecoder()
        let images = try (0..<3).map {
            try decoder.decode(contentsOf: directory.appendingPathComponent("images/synthetic\($0).png"))
        }
        let preprocessing = ImagePreprocessing(
            resizes: false, size: .shortestEdge(224), resample: .bilinear, centerCrops: false, cropHeight: 224,
            cropWidth: 224, mean: ImagePreprocessing.imagenet.mean,
            standardDeviation: ImagePreprocessing.imagenet.standardDeviation)
        return try preprocessing(images)
    }

    /// The weights `make weights` unpacks, at `relativePath` under the cache directory.
    /// Records a failure saying how to get them when they are absent.
    static func pretrainedWeights(_ relativePath: String) throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["MMFUSION_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/mmfusion")
        let url = cache.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            Issue.record("pretrained weights \(url.path) are missing: run `make weights` first")
            throw MissingWeights()
        }
        return url
    }

    struct MissingWeights: Error {}
}

/// Checks `actual` against `expected` elementwise: |a − e| ≤ absolute + relative·|e|.
func expectClose(_ actual: Tensor?, _ expected: Tensor?, absolute: Float, relative: Float = 0, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard let actual, let expected else {
        Issue.record("\(what): missing (actual \(actual == nil ? "nil" : "present"), expected \(expected == nil ? "nil" : "present"))",
                     sourceLocation: sourceLocation)
        return
    }
    guard actual.shape == expected.shape else {
        Issue.record("\(what): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    let a = actual.scalars, e = expected.scalars
    var worst = 0, worstExcess: Float = -.infinity
    for index in 0..<a.count {
        let excess = Swift.abs(a[index] - e[index]) - (absolute + relative * Swift.abs(e[index]))
        if excess > worstExcess || excess.isNaN { worstExcess = excess.isNaN ? .infinity : excess; worst = index }
    }
    #expect(worstExcess <= 0, "\(what): element \(worst) is \(a.isEmpty ? 0 : a[worst]), expected \(e.isEmpty ? 0 : e[worst])",
            sourceLocation: sourceLocation)
}

/// Checks `actual` against `expected` with a tolerance relative to the output's scale:
/// max |a − e| ≤ tolerance · max(1, max |e|).
func expectCloseRelativeToScale(_ actual: Tensor?, _ expected: Tensor?, tolerance: Float, _ what: String,
                                sourceLocation: SourceLocation = #_sourceLocation) {
    guard let expected else {
        Issue.record("\(what): no reference", sourceLocation: sourceLocation)
        return
    }
    let scale = Swift.max(1, expected.scalars.map { Swift.abs($0) }.max() ?? 0)
    expectClose(actual, expected, absolute: tolerance * scale, what, sourceLocation: sourceLocation)
}
