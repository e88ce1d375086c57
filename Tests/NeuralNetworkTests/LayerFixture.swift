import Foundation
import Testing
@testable import NeuralNetwork

/// One parity fixture written by Tests/Fixtures/generate/layers.py: a safetensors file of
/// float32 tensors (parameters, inputs, outputs, upstream gradient, expected gradients).
struct LayerFixture {
    let tensors: [String: Tensor]

    struct ReadError: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads Tests/Fixtures/layers/<name>.safetensors.
    init(_ name: String) throws {
        try self.init(file: SafetensorsFile(contentsOf: Self.url(name)))
    }

    init(file: SafetensorsFile) throws {
        tensors = try file.tensors()
    }

    static func url(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/layers/\(name).safetensors")
    }

    subscript(_ key: String) -> Tensor {
        get throws {
            guard let tensor = tensors[key] else { throw ReadError(description: "fixture has no tensor \(key)") }
            return tensor
        }
    }

    /// The layer's state dict: every `param.<key>` entry with the prefix removed.
    var parameters: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: tensors.filter { $0.key.hasPrefix("param.") }
            .map { (String($0.key.dropFirst("param.".count)), $0.value) })
    }

    /// The expected parameter gradients: every `grad.param.<key>` entry.
    var parameterGradients: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: tensors.filter { $0.key.hasPrefix("grad.param.") }
            .map { (String($0.key.dropFirst("grad.param.".count)), $0.value) })
    }

    /// A fixture input as a leaf that records gradients.
    func input(_ key: String = "input") throws -> Tensor {
        var x = try self[key]
        x.requiresGrad = true
        return x
    }

    /// Integer ids stored as floats.
    func ids(_ key: String) throws -> [Int] { try self[key].scalars.map { Int($0) } }

    /// A [B, L] mask stored as floats (non-zero = true).
    func mask(_ key: String) throws -> [[Bool]] {
        let tensor = try self[key]
        let columns = tensor.shape[1]
        let flat = tensor.scalars.map { $0 != 0 }
        return (0..<tensor.shape[0]).map { Array(flat[($0 * columns)..<(($0 + 1) * columns)]) }
    }

    /// Checks every parameter gradient of `module` against `grad.param.<key>`, and that the
    /// fixture has a gradient for each parameter.
    func expectParameterGradients(of module: any Module, relative: Float, absolute: Float,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = parameterGradients
        let named = module.namedParameters()
        #expect(Set(named.map(\.0)) == Set(expected.keys), sourceLocation: sourceLocation)
        for (key, parameter) in named {
            guard let gradient = expected[key] else { continue }
            expectAllClose(parameter.grad, gradient, relative: relative, absolute: absolute,
                        "gradient of \(key)", sourceLocation: sourceLocation)
        }
    }
}

/// Expects `actual` to match `expected` element-wise: |a - e| ≤ absolute + relative·|e|,
/// with infinities and NaNs required to agree exactly.
func expectAllClose(_ actual: Tensor?, _ expected: Tensor, relative: Float, absolute: Float,
                 _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let actual else {
        Issue.record("\(what): no value (expected shape \(expected.shape))", sourceLocation: sourceLocation)
        return
    }
    guard actual.shape == expected.shape else {
        Issue.record("\(what): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    let actualScalars = actual.scalars, expectedScalars = expected.scalars
    var worst: (index: Int, excess: Float)?
    for i in actualScalars.indices {
        let a = actualScalars[i], e = expectedScalars[i]
        let limit = absolute + relative * Swift.abs(e)
        let ok = e.isFinite ? Swift.abs(a - e) <= limit : (a.isNaN == e.isNaN && (e.isNaN || a == e))
        if !ok {
            let excess = a.isFinite && e.isFinite ? Swift.abs(a - e) - limit : .infinity
            if worst.map({ excess > $0.excess }) ?? true { worst = (i, excess) }
        }
    }
    if let worst {
        Issue.record("\(what): element \(worst.index) is \(actualScalars[worst.index]), expected \(expectedScalars[worst.index]) (tolerance \(relative) relative + \(absolute) absolute)",
                     sourceLocation: sourceLocation)
    }
}
