import Foundation
import Testing
@testable import FusionModels

/// One parity fixture written by Tests/Fixtures/generate/hglnet.py or baselines.py.
struct FusionFixture {
    let tensors: [String: Tensor]

    struct ReadError: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads Tests/Fixtures/fusion/<name>.safetensors.
    init(_ name: String) throws {
        tensors = try SafetensorsFile(contentsOf: Self.directory.appendingPathComponent("\(name).safetensors")).tensors()
    }

    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fusion")
    }

    subscript(_ key: String) -> Tensor {
        get throws {
            guard let tensor = tensors[key] else { throw ReadError(description: "fixture has no tensor \(key)") }
            return tensor
        }
    }

    /// Every `<prefix><key>` entry with the prefix removed.
    func entries(_ prefix: String) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: tensors.filter { $0.key.hasPrefix(prefix) }
            .map { (String($0.key.dropFirst(prefix.count)), $0.value) })
    }

    /// The batch of `input.<feature>` tensors (other than the modality masks).
    func inputs() throws -> ModelInputs {
        try ModelInputs(features: entries("input.").filter { !$0.key.hasSuffix("_present") })
    }
}

/// Expects `actual` to equal `expected` in shape and within `tolerance` · max(1, |expected|)
/// element by element.
func expectAllClose(_ actual: Tensor, _ expected: Tensor, tolerance: Float = 1e-4, _ label: String,
                    sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, "\(label): shape \(actual.shape) vs \(expected.shape)",
            sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    var worst: Float = 0
    for (a, e) in zip(actual.scalars, expected.scalars) {
        worst = Swift.max(worst, Swift.abs(a - e) / Swift.max(1, Swift.abs(e)))
    }
    #expect(worst <= tolerance, "\(label): worst scaled difference \(worst) > \(tolerance)", sourceLocation: sourceLocation)
}

/// Loads `fixture`'s parameters into `model` (strictly), runs a training-mode forward and
/// backward of sum(logits · R), and checks logits and every parameter gradient.
func checkParity(_ model: any FusionModel, _ fixture: FusionFixture, label: String) throws -> ModelOutput {
    try model.loadStateDict(fixture.entries("param."))
    let expectedGradients = fixture.entries("grad.param.")
    #expect(Set(model.namedParameters().map(\.0)) == Set(expectedGradients.keys), "\(label): parameter keys")
    model.train()
    let output = try model.forward(try fixture.inputs())
    expectAllClose(output.logits, try fixture["output.logits"], "\(label) logits")
    (output.logits * (try fixture["upstream"])).sum().backward()
    for (key, parameter) in model.namedParameters() {
        guard let expected = expectedGradients[key] else { continue }
        guard let gradient = parameter.grad else {
            Issue.record("\(label): no gradient for \(key)")
            continue
        }
        expectAllClose(gradient, expected, "\(label) grad \(key)")
    }
    return output
}
