import Foundation
import Testing
@testable import Tensors

/// Corrupt safetensors files, built here by writing or mutating bytes: each must give its
/// own `SafetensorsError`, never a crash.
@Suite final class SafetensorsValidationTests {
    let folder: URL

    init() throws { folder = try makeTemporaryFolder("safetensors-validation") }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Writes `bytes` to a file and returns its URL.
    func file(_ bytes: [UInt8], named name: String = "corrupt.safetensors") throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// A file with `header` as its JSON header and `dataLength` bytes of data.
    func file(header: String, dataLength: Int) throws -> URL {
        let headerBytes = Array(header.utf8)
        var bytes = withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian, Array.init)
        bytes += headerBytes
        bytes += [UInt8](repeating: 0x3F, count: dataLength)
        return try file(bytes)
    }

    /// The error opening `url` throws, or nil when it opens.
    func openingError(_ url: URL) -> SafetensorsError? {
        do {
            _ = try SafetensorsFile(contentsOf: url)
            return nil
        } catch let error as SafetensorsError {
            return error
        } catch {
            Issue.record("unexpected error type \(error)")
            return nil
        }
    }

    /// A valid two-tensor file's bytes.
    func validBytes() throws -> [UInt8] {
        let url = folder.appendingPathComponent("valid.safetensors")
        try Safetensors.write(["a": Tensor([1, 2, 3]), "b": Tensor(shape: [2, 2], scalars: [4, 5, 6, 7])], to: url)
        return [UInt8](try Data(contentsOf: url))
    }

    @Test func fileShorterThanEightBytes() throws {
        for length in [0, 1, 7] {
            let url = try file([UInt8](repeating: 1, count: length))
            #expect(openingError(url) == .fileTooShort(file: url.path, byteCount: length))
        }
    }

    @Test func missingFileNamesThePath() throws {
        let url = folder.appendingPathComponent("absent.safetensors")
        guard case let .fileAccess(file, reason) = openingError(url) else {
            Issue.record("expected fileAccess")
            return
        }
        #expect(file == url.path)
        #expect(reason.contains("cannot open"))
    }

    @Test func headerLengthBeyondTheFile() throws {
        var bytes = try validBytes()
        let fileSize = bytes.count - 8
        bytes.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(fileSize + 1).littleEndian, Array.init))
        let url = try file(bytes)
        #expect(openingError(url) == .headerLengthBeyondFile(file: url.path, headerLength: UInt64(fileSize + 1), fileSize: fileSize))
        bytes.replaceSubrange(0..<8, with: [UInt8](repeating: 0xFF, count: 8))
        let huge = try file(bytes)
        #expect(openingError(huge) == .headerLengthBeyondFile(file: huge.path, headerLength: .max, fileSize: fileSize))
    }

    @Test func headerNotUTF8() throws {
        var bytes = try validBytes()
        bytes[10] = 0xC3  // a lead byte followed by an ASCII byte
        let url = try file(bytes)
        #expect(openingError(url) == .headerNotUTF8(file: url.path))
    }

    @Test func headerNotJSON() throws {
        var bytes = try validBytes()
        bytes[8] = UInt8(ascii: "[")  // `{` becomes `[`
        let url = try file(bytes)
        guard case .headerNotJSON(url.path, _) = openingError(url) else {
            Issue.record("expected headerNotJSON")
            return
        }
        let array = try file(header: "[1, 2]", dataLength: 0)
        #expect(openingError(array) == .headerNotJSON(file: array.path, detail: "the top level is a array, not an object"))
        let truncated = try file(header: "{\"a\": {\"dtype\": \"F32\"", dataLength: 0)
        guard case .headerNotJSON = openingError(truncated) else {
            Issue.record("expected headerNotJSON for a truncated header")
            return
        }
    }

    @Test func unknownDType() throws {
        let url = try file(header: #"{"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}"#, dataLength: 2)
        #expect(openingError(url) == .unknownDType(file: url.path, tensor: "w", dtype: "F8_E4M3"))
        let lower = try file(header: #"{"w": {"dtype": "f32", "shape": [1], "data_offsets": [0, 4]}}"#, dataLength: 4)
        #expect(openingError(lower) == .unknownDType(file: lower.path, tensor: "w", dtype: "f32"))
    }

    @Test func offsetsOutOfOrder() throws {
        let url = try file(header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}}"#, dataLength: 8)
        #expect(openingError(url) == .invalidOffsets(file: url.path, tensor: "w", detail: "begin 8 is after end 4"))
    }

    @Test func offsetsOverlapping() throws {
        let url = try file(header: #"""
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}
            """#, dataLength: 12)
        #expect(openingError(url) == .invalidOffsets(file: url.path, tensor: "b", detail: "[4, 12] overlaps 'a', which ends at 8"))
    }

    @Test func offsetsLeavingAGapOrBytesOver() throws {
        let gap = try file(header: #"""
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
             "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}
            """#, dataLength: 12)
        guard case .invalidOffsets(gap.path, "b", _) = openingError(gap) else {
            Issue.record("expected invalidOffsets for a gap")
            return
        }
        let leftover = try file(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, dataLength: 9)
        #expect(openingError(leftover) == .invalidOffsets(
            file: leftover.path, tensor: "a", detail: "the tensors cover 4 bytes but the data section has 9 bytes"))
    }

    @Test func offsetsBeyondTheData() throws {
        // A valid file cut short: the last tensor now runs past the data section.
        let bytes = try validBytes()
        let url = try file(Array(bytes.dropLast(4)))
        #expect(openingError(url) == .invalidOffsets(
            file: url.path, tensor: "b", detail: "[12, 28] runs past the data section, which has 24 bytes"))
        let negative = try file(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}"#, dataLength: 4)
        guard case .invalidOffsets(negative.path, "a", _) = openingError(negative) else {
            Issue.record("expected invalidOffsets for a negative offset")
            return
        }
        let oneNumber = try file(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4]}}"#, dataLength: 4)
        guard case .invalidOffsets(oneNumber.path, "a", _) = openingError(oneNumber) else {
            Issue.record("expected invalidOffsets for a one-element data_offsets")
            return
        }
    }

    @Test func byteCountNotMatchingShape() throws {
        let url = try file(header: #"{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#, dataLength: 8)
        #expect(openingError(url) == .byteCountMismatch(file: url.path, tensor: "w", expected: 12, actual: 8))
        let half = try file(header: #"{"w": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 16]}}"#, dataLength: 16)
        #expect(openingError(half) == .byteCountMismatch(file: half.path, tensor: "w", expected: 8, actual: 16))
        let overflowing = try file(
            header: #"{"w": {"dtype": "F64", "shape": [4611686018427387904], "data_offsets": [0, 8]}}"#, dataLength: 8)
        #expect(openingError(overflowing) == .byteCountMismatch(file: overflowing.path, tensor: "w", expected: .max, actual: 8))
    }

    @Test func negativeOrNonIntegerShapes() throws {
        let negative = try file(header: #"{"w": {"dtype": "F32", "shape": [-1, 2], "data_offsets": [0, 0]}}"#, dataLength: 0)
        #expect(openingError(negative) == .invalidShape(file: negative.path, tensor: "w", detail: "extent -1 is negative"))
        let fractional = try file(header: #"{"w": {"dtype": "F32", "shape": [2.0], "data_offsets": [0, 8]}}"#, dataLength: 8)
        #expect(openingError(fractional) == .invalidShape(file: fractional.path, tensor: "w", detail: "extent number 2.0 is not an integer"))
        let text = try file(header: #"{"w": {"dtype": "F32", "shape": ["2"], "data_offsets": [0, 8]}}"#, dataLength: 8)
        #expect(openingError(text) == .invalidShape(file: text.path, tensor: "w", detail: "extent string is not an integer"))
        let overflow = try file(
            header: #"{"w": {"dtype": "U8", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}}"#, dataLength: 0)
        #expect(openingError(overflow) == .invalidShape(file: overflow.path, tensor: "w", detail: "the element count overflows"))
        let notList = try file(header: #"{"w": {"dtype": "F32", "shape": 4, "data_offsets": [0, 16]}}"#, dataLength: 16)
        guard case .invalidShape(notList.path, "w", _) = openingError(notList) else {
            Issue.record("expected invalidShape for a shape that is not a list")
            return
        }
    }

    @Test func duplicateNames() throws {
        let url = try file(header: #"""
            {"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
             "w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}
            """#, dataLength: 8)
        #expect(openingError(url) == .duplicateName(file: url.path, tensor: "w"))
    }

    @Test func malformedEntriesAndMetadata() throws {
        let missing = try file(header: #"{"w": {"dtype": "F32", "shape": [1]}}"#, dataLength: 4)
        #expect(openingError(missing) == .invalidEntry(file: missing.path, tensor: "w", detail: "missing \"data_offsets\""))
        let notObject = try file(header: #"{"w": 3}"#, dataLength: 0)
        #expect(openingError(notObject) == .invalidEntry(file: notObject.path, tensor: "w",
                                                          detail: "the entry is a number 3, not an object"))
        let metadata = try file(header: #"{"__metadata__": {"epoch": 3}}"#, dataLength: 0)
        #expect(openingError(metadata) == .invalidMetadata(file: metadata.path, detail: "key 'epoch' holds a number 3"))
    }

    @Test func missingTensorAskedByName() throws {
        let url = folder.appendingPathComponent("two.safetensors")
        try Safetensors.write(["a": Tensor([1]), "b": Tensor([2])], to: url)
        let opened = try SafetensorsFile(contentsOf: url)
        #expect(throws: SafetensorsError.tensorNotFound(file: url.path, tensor: "c", available: 2)) {
            try opened.tensor("c")
        }
        let message = SafetensorsError.tensorNotFound(file: url.path, tensor: "c", available: 2).localizedDescription
        #expect(message.contains(url.path) && message.contains("'c'"))
    }

    /// Every truncation and many random byte flips of a valid file either open (and then
    /// read) or throw `SafetensorsError`; none crash.
    @Test func mutatedFilesNeverCrash() throws {
        let bytes = try validBytes()
        var opened = 0
        for length in 0..<bytes.count {
            let url = try file(Array(bytes[0..<length]), named: "truncated.safetensors")
            if openingError(url) == nil { opened += 1 }
        }
        #expect(opened == 0, "no truncation of a valid file may open")
        var generator = RandomGenerator(seed: 11)
        for _ in 0..<400 {
            var mutated = bytes
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let index = Int.random(in: 0..<mutated.count, using: &generator)
                mutated[index] = UInt8.random(in: 0...255, using: &generator)
            }
            let url = try file(mutated, named: "mutated.safetensors")
            do {
                let opened = try SafetensorsFile(contentsOf: url)
                for name in opened.names {
                    let tensor = try opened.tensor(name)
                    #expect(tensor.count == opened.shape(of: name)?.reduce(1, *))
                }
            } catch is SafetensorsError {
                continue
            }
        }
    }
}
