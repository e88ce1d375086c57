import Foundation
import Testing
@testable import NeuralNetwork

/// Reads the loss and optimizer fixtures under Tests/Fixtures/{losses,optim}: a
/// safetensors file of Float32 tensors and the JSON record written beside it by the
/// generator script.
struct TrainingFixtureFile {
    let tensors: [String: Tensor]
    let record: [String: Any]

    enum Failure: Error, CustomStringConvertible {
        case malformed(String)
        var description: String {
            switch self { case let .malformed(message): return message }
        }
    }

    /// Tests/Fixtures/<area>/<name>.safetensors and <name>.json.
    init(area: String, name: String) throws {
        let directory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(area)
        tensors = try SafetensorsFile(contentsOf: directory.appendingPathComponent("\(name).safetensors")).tensors()
        let json = try Data(contentsOf: directory.appendingPathComponent("\(name).json"))
        guard let record = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw Failure.malformed("\(name).json is not a JSON object")
        }
        self.record = record
    }

    /// The JSON record alone: Tests/Fixtures/<area>/<name>.json.
    static func json(area: String, name: String) throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(area)
            .appendingPathComponent("\(name).json")
        guard let record = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            throw Failure.malformed("\(url.path) is not a JSON object")
        }
        return record
    }

    func tensor(_ name: String) throws -> Tensor {
        guard let tensor = tensors[name] else { throw Failure.malformed("fixture tensor '\(name)' is missing") }
        return tensor
    }
}

/// Whether every |actual - expected| ≤ absolute + relative · |expected| (and shapes match);
/// records a test issue naming the first offending element otherwise.
func expectClose(
    _ actual: Tensor, _ expected: Tensor, relative: Float, absolute: Float, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.shape == expected.shape, "\(label): shape \(actual.shape) vs \(expected.shape)", sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let a = actual.scalars, e = expected.scalars
    for i in 0..<a.count where !(Swift.abs(a[i] - e[i]) <= absolute + relative * Swift.abs(e[i])) {
        Issue.record("\(label): element \(i) is \(a[i]), expected \(e[i]) (tolerance \(relative) relative + \(absolute) absolute)",
                     sourceLocation: sourceLocation)
        return
    }
}
