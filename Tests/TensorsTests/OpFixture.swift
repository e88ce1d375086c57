import Foundation
import Testing
import Tensors

/// Reads the reference files written by `Tests/Fixtures/generate/ops.py`
/// (`Tests/Fixtures/ops/<area>.safetensors`): a little-endian u64 header length, a JSON
/// header `{name: {dtype, shape, data_offsets}}`, then the raw little-endian data.
struct OpFixture {
    struct Entry {
        let dtype: String
        let shape: [Int]
        let range: Range<Int>
    }

    enum LoadError: Error, CustomStringConvertible {
        case malformed(String, String)
        case missing(String, String)

        var description: String {
            switch self {
            case let .malformed(file, why): return "\(file): \(why); regenerate with Tests/Fixtures/generate/ops.py"
            case let .missing(file, key): return "\(file): no tensor '\(key)'; regenerate with Tests/Fixtures/generate/ops.py"
            }
        }
    }

    /// The directory of the op fixtures, found from this source file.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/ops")

    let name: String
    let data: Data
    let entries: [String: Entry]
    let dataStart: Int

    /// Loads `Tests/Fixtures/ops/<area>.safetensors`.
    init(area: String) throws {
        name = "\(area).safetensors"
        data = try Data(contentsOf: OpFixture.directory.appendingPathComponent(name))
        guard data.count >= 8 else { throw LoadError.malformed(name, "shorter than its 8-byte header length") }
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard headerLength > 0, 8 + headerLength <= data.count else {
            throw LoadError.malformed(name, "header length \(headerLength) exceeds the file")
        }
        dataStart = 8 + headerLength
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<dataStart))
        guard let table = header as? [String: Any] else { throw LoadError.malformed(name, "header is not a JSON object") }
        var entries: [String: Entry] = [:]
        for (key, value) in table where key != "__metadata__" {
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2
            else { throw LoadError.malformed(name, "bad header entry '\(key)'") }
            entries[key] = Entry(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        self.entries = entries
    }

    /// Whether the file holds `key`.
    func contains(_ key: String) -> Bool { entries[key] != nil }

    /// The F32 tensor stored under `key`.
    func tensor(_ key: String) throws -> Tensor {
        guard let entry = entries[key] else { throw LoadError.missing(name, key) }
        guard entry.dtype == "F32" else { throw LoadError.malformed(name, "'\(key)' is \(entry.dtype), expected F32") }
        let count = entry.shape.reduce(1, *)
        guard entry.range.count == count * 4 else { throw LoadError.malformed(name, "'\(key)' has \(entry.range.count) bytes for shape \(entry.shape)") }
        let bytes = data.subdata(in: (dataStart + entry.range.lowerBound)..<(dataStart + entry.range.upperBound))
        return Tensor(shape: entry.shape) { buffer in
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    buffer[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
            }
        }
    }

    /// The U16 values stored under `key` (half-precision bit patterns).
    func unsignedShorts(_ key: String) throws -> [UInt16] {
        guard let entry = entries[key] else { throw LoadError.missing(name, key) }
        guard entry.dtype == "U16" else { throw LoadError.malformed(name, "'\(key)' is \(entry.dtype), expected U16") }
        let bytes = data.subdata(in: (dataStart + entry.range.lowerBound)..<(dataStart + entry.range.upperBound))
        return bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / 2)).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
        }
    }

    /// The stored inputs of `caseName`, in order.
    func inputs(_ caseName: String) throws -> [Tensor] {
        var result: [Tensor] = []
        while contains("\(caseName)/input\(result.count)") {
            result.append(try tensor("\(caseName)/input\(result.count)"))
        }
        guard !result.isEmpty else { throw LoadError.missing(name, "\(caseName)/input0") }
        return result
    }
}
