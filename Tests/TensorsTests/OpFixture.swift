import Foundation
import Tensors

/// The reference files written by `Tests/Fixtures/generate/ops.py`
/// (`Tests/Fixtures/ops/<area>.safetensors`), read through `SafetensorsFile`.
struct OpFixture {
    /// The directory of the op fixtures, found from this source file.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/ops")

    let file: SafetensorsFile

    /// Opens `Tests/Fixtures/ops/<area>.safetensors`.
    init(area: String) throws {
        file = try SafetensorsFile(contentsOf: OpFixture.directory.appendingPathComponent("\(area).safetensors"))
    }

    /// Whether the file holds `key`.
    func contains(_ key: String) -> Bool { file.shape(of: key) != nil }

    /// The tensor stored under `key`, as Float32.
    func tensor(_ key: String) throws -> Tensor { try file.tensor(key) }

    /// The U16 values stored under `key` (half-precision bit patterns; exact in Float32).
    func unsignedShorts(_ key: String) throws -> [UInt16] {
        try file.tensor(key).scalars.map { UInt16($0) }
    }

    /// The stored inputs of `caseName`, in order.
    func inputs(_ caseName: String) throws -> [Tensor] {
        var result: [Tensor] = []
        while contains("\(caseName)/input\(result.count)") {
            result.append(try tensor("\(caseName)/input\(result.count)"))
        }
        return result
    }
}
