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
