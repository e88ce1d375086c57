import Foundation
import Testing
import Tensors
@testable import Encoders

/// Fixtures written by Tests/Fixtures/generate/bert.py.
enum BertFixtures {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/bert")

    static func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    /// Every tensor of Tests/Fixtures/bert/<name>.
    static func tensors(_ name: String) throws -> [String: Tensor] {
        try SafetensorsFile(contentsOf: url(name)).tensors()
    }

    /// A [rows, columns] float tensor of whole numbers as [[Int]].
    static func integerRows(_ tensor: Tensor) -> [[Int]] {
        let columns = tensor.shape[1]
        let values = tensor.scalars.map { Int($0) }
        return (0..<tensor.shape[0]).map { Array(values[($0 * columns)..<(($0 + 1) * columns)]) }
    }

    /// The directory `make weights` unpacks all-MiniLM-L6-v2 into.
    static var miniLMDirectory: URL {
        let cache = ProcessInfo.processInfo.environment["MMFUSION_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/mmfusion")
        return cache.appendingPathComponent("all-MiniLM-L6-v2")
    }
}

/// max |a - b| / (1 + |b|) over all entries; shapes must agree.
func maximumMixedError(_ actual: Tensor, _ expected: Tensor) -> Float {
    #expect(actual.shape == expected.shape, "shape \(actual.shape) vs expected \(expected.shape)")
    guard actual.shape == expected.shape else { return .infinity }
    var worst: Float = 0
    for (a, b) in zip(actual.scalars, expected.scalars) {
        let error = Swift.abs(a - b) / (1 + Swift.abs(b))
        if !(error <= worst) { worst = error.isNaN ? .infinity : Swift.max(worst, error) }
    }
    return worst
}
