import Foundation
import Testing
@testable import Tensors

/// PyTorch references written by Tests/Fixtures/generate/kernels.py: float32 tensors in
/// kernels.safetensors named "case<i>.<name>", described by index.json.
struct KernelFixtures {
    struct Parameters: Decodable {
        var stride: [Int]?
        var padding: [Int]?
        var dilation: [Int]?
        var groups: Int?
        var kernel: [Int]?
        var countIncludePad: Bool?
        var outputSize: [Int]?
        var size: [Int]?
        var alignCorners: Bool?
        var epsilon: Double?
    }

    struct Case: Decodable {
        let op: String
        let params: Parameters
        let tensors: [String]
        /// Position in index.json (the "case<i>" prefix of its tensors).
        var index = 0

        enum CodingKeys: String, CodingKey { case op, params, tensors }
    }

    struct Index: Decodable { let cases: [Case] }

    let cases: [Case]
    let file: SafetensorsFile

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/kernels")

    static func load() throws -> KernelFixtures {
        let index = try JSONDecoder().decode(Index.self, from: Data(contentsOf: directory.appendingPathComponent("index.json")))
        let file = try SafetensorsFile(contentsOf: directory.appendingPathComponent("kernels.safetensors"))
        var cases = index.cases
        for i in cases.indices { cases[i].index = i }
        return KernelFixtures(cases: cases, file: file)
    }

    func cases(_ op: String) -> [Case] { cases.filter { $0.op == op } }

    /// The named tensor of a case, or nil when the case does not have it.
    func tensor(_ fixture: Case, _ name: String) -> Tensor? {
        guard fixture.tensors.contains(name) else { return nil }
        return try? file.tensor("case\(fixture.index).\(name)")
    }
}

/// Largest |actual − expected| / max(1, |expected|) over all elements.
func relativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
    precondition(actual.shape == expected.shape, "shapes \(actual.shape) and \(expected.shape) differ")
    var worst: Float = 0
    for (a, e) in zip(actual.scalars, expected.scalars) {
        let error = Swift.abs(a - e) / Swift.max(1, Swift.abs(e))
        if !(error <= worst) { worst = error.isNaN ? .infinity : error }
    }
    return worst
}

/// Checks `actual` against `expected` within `tolerance` (relative, see `relativeError`).
func expectClose(_ actual: Tensor, _ expected: Tensor, tolerance: Float = 1e-4, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, "\(what): shape \(actual.shape) vs \(expected.shape)", sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let error = relativeError(actual, expected)
    #expect(error <= tolerance, "\(what): relative error \(error) above \(tolerance)", sourceLocation: sourceLocation)
}

/// Central finite differences of the Float64 function `f` at `point`, element by element.
func finiteDifferenceGradient(_ point: [Double], step: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
    var probe = point
    return (0..<point.count).map { i in
        probe[i] = point[i] + step
        let plus = f(probe)
        probe[i] = point[i] - step
        let minus = f(probe)
        probe[i] = point[i]
        return (plus - minus) / (2 * step)
    }
}

/// Checks an analytic Float32 gradient against a Float64 finite-difference one:
/// |analytic − numeric| ≤ tolerance · max(1, |numeric|).
func expectGradient(_ analytic: Tensor?, _ numeric: [Double], tolerance: Double = 1e-4, _ what: String,
                    sourceLocation: SourceLocation = #_sourceLocation) {
    guard let analytic else {
        Issue.record("\(what): no gradient", sourceLocation: sourceLocation)
        return
    }
    #expect(analytic.count == numeric.count, "\(what): \(analytic.count) vs \(numeric.count) elements", sourceLocation: sourceLocation)
    var worst = 0.0
    for (a, n) in zip(analytic.scalars, numeric) {
        worst = Swift.max(worst, Swift.abs(Double(a) - n) / Swift.max(1, Swift.abs(n)))
    }
    #expect(worst <= tolerance, "\(what): gradient error \(worst) above \(tolerance)", sourceLocation: sourceLocation)
}

/// A tensor of Float32-representable values, with its Float64 copy.
func randomInput(_ shape: [Int], seed: UInt64, scale: Float = 1) -> (Tensor, [Double]) {
    var generator = RandomGenerator(seed: seed)
    let t = Tensor.randn(shape, generator: &generator) * scale
    return (t, t.scalars.map(Double.init))
}
