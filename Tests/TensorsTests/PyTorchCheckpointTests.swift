import Foundation
import Testing
@testable import Tensors

/// Expected tensors written by Tests/Fixtures/generate/checkpoints.py: name -> (shape, values).
func expectedTensors(_ fixture: String) throws -> [String: (shape: [Int], values: [Float])] {
    let data = try Data(contentsOf: checkpointFixture(fixture))
    let entries = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
    var result: [String: (shape: [Int], values: [Float])] = [:]
    for (name, entry) in entries {
        let shape = try #require(entry["shape"] as? [Int])
        let values = try #require(entry["values"] as? [Double]).map(Float.init)
        result[name] = (shape, values)
    }
    return result
}

/// Pickle bytes for hand-built checkpoints.
enum PickleBytes {
    static func string(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        return [0x58] + withUnsafeBytes(of: UInt32(utf8.count).littleEndian, Array.init) + utf8
    }

    static func global(_ module: String, _ name: String) -> [UInt8] {
        [0x63] + Array("\(module)\n\(name)\n".utf8)
    }

    static func integer(_ value: Int) -> [UInt8] {
        [0x4A] + withUnsafeBytes(of: Int32(value).littleEndian, Array.init)
    }

    static func tuple(_ items: [[UInt8]]) -> [UInt8] { [0x28] + items.flatMap { $0 } + [0x74] }

    /// The three pickles a legacy checkpoint starts with: magic number, protocol 1001, system info.
    static let legacyPreamble: [UInt8] =
        [0x80, 0x02, 0x8A, 0x0A] + PyTorchCheckpoint.legacyMagic + [0x2E]
        + [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E]
        + [0x80, 0x02, 0x7D] + string("little_endian") + [0x88, 0x73, 0x2E]

    /// A legacy checkpoint `{"w": tensor}` whose tensor views a Float32 storage of
    /// `storageValues` with the given size, stride and offset.
    static func legacyCheckpoint(storageValues: [Float], size: [Int], stride: [Int], offset: Int,
                                 declaredCount: Int? = nil) -> [UInt8] {
        let storage = tuple([string("storage"), global("torch", "FloatStorage"), string("0"), string("cpu"),
                             integer(declaredCount ?? storageValues.count), [0x4E]]) + [0x51]
        let arguments = tuple([storage, integer(offset), tuple(size.map(integer)), tuple(stride.map(integer)),
                               [0x89], [0x7D]])
        let object = [0x80, 0x02, 0x7D] + string("w") + global("torch._utils", "_rebuild_tensor_v2") + arguments
            + [0x52, 0x73, 0x2E]
        let keys: [UInt8] = [0x80, 0x02, 0x5D] + string("0") + [0x61, 0x2E]
        var data = withUnsafeBytes(of: Int64(storageValues.count).littleEndian, Array.init)
        for value in storageValues { data += withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
        return legacyPreamble + object + keys + data
    }
}

@Suite final class PyTorchCheckpointTests {
    let folder: URL

    init() throws { folder = try makeTemporaryFolder("pytorch-checkpoint") }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func file(_ bytes: [UInt8], named name: String = "checkpoint.pt") throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    func loadingError(_ url: URL) -> PyTorchCheckpointError? {
        do {
            _ = try PyTorchCheckpoint.load(url)
            return nil
        } catch let error as PyTorchCheckpointError {
            return error
        } catch {
            Issue.record("unexpected error type \(error)")
            return nil
        }
    }

    func expectMatches(_ loaded: [String: Tensor], _ expected: [String: (shape: [Int], values: [Float])],
                       _ label: String) {
        #expect(loaded.keys.sorted() == expected.keys.sorted(), "\(label)")
        for (name, entry) in expected {
            guard let tensor = loaded[name] else { continue }
            #expect(tensor.shape == entry.shape, "\(label): \(name)")
            #expect(tensor.scalars == entry.values, "\(label): \(name)")
        }
    }

    /// Values must match torch's exactly: every stored value is representable in Float32.
    @Test(arguments: ["torch_zip.pt", "torch_legacy.pt", "torch_protocol4.pt"])
    func readsStateDictWrittenByTorchSave(fixture: String) throws {
        let loaded = try PyTorchCheckpoint.load(checkpointFixture(fixture))
        let expected = try expectedTensors("torch_expected.json")
        #expect(expected.count == 15)
        expectMatches(loaded, expected, fixture)
        // The views: a row, a column and a block of one shared storage, copied out.
        let base = try #require(loaded["shared.base"]).scalars
        #expect(loaded["shared.row"]?.scalars == Array(base[8..<12]))
        #expect(loaded["shared.column"]?.scalars == [base[1], base[5], base[9], base[13]])
        #expect(loaded["shared.block"]?.scalars == [base[6], base[7], base[10], base[11]])
        let expanded = try #require(loaded["expanded"])
        #expect(expanded.shape == [3, 4])
        #expect(expanded[1, 0] == expanded[1, 3] && expanded[0, 0] != expanded[1, 0])
    }

    @Test(arguments: ["torch_nested.pt", "torch_nested_legacy.pt", "torch_model_key.pt"])
    func findsTheNestedStateDict(fixture: String) throws {
        let loaded = try PyTorchCheckpoint.load(checkpointFixture(fixture))
        let expected = try expectedTensors("torch_expected.json")
            .filter { ["linear.weight", "linear.bias", "ids"].contains($0.key) }
        expectMatches(loaded, expected, fixture)
    }

    @Test func refusesAMaliciousGlobalWithoutRunningIt() throws {
        let url = checkpointFixture("torch_malicious.pt")
        #expect(loadingError(url) == .disallowedGlobal(file: url.path, global: "os.system"))

        // The same attack in the legacy format, with a command that would leave a trace.
        let marker = folder.appendingPathComponent("ran")
        let evil = [0x80, 0x02] + PickleBytes.global("os", "system") + PickleBytes.string("touch \(marker.path)")
            + [0x85, 0x52, 0x2E]
        let legacy = try file(PickleBytes.legacyPreamble + evil)
        #expect(loadingError(legacy) == .disallowedGlobal(file: legacy.path, global: "os.system"))
        // STACK_GLOBAL (protocol 4) is checked the same way.
        let stacked = [0x80, 0x04] + [0x8C, 8] + Array("builtins".utf8) + [0x8C, 4] + Array("eval".utf8) + [0x93]
            + [0x8C, 1, 0x31, 0x85, 0x52, 0x2E]
        let stackedURL = try file(PickleBytes.legacyPreamble + stacked, named: "stacked.pt")
        #expect(loadingError(stackedURL) == .disallowedGlobal(file: stackedURL.path, global: "builtins.eval"))
        #expect(!FileManager.default.fileExists(atPath: marker.path))
        let message = PyTorchCheckpointError.disallowedGlobal(file: url.path, global: "os.system").localizedDescription
        #expect(message.contains("os.system") && message.contains("not run"))
    }

    @Test func refusesCompressedEntries() throws {
        let url = checkpointFixture("torch_deflated.pt")
        guard case let .compressedEntry(file, entry, method) = loadingError(url) else {
            Issue.record("expected compressedEntry")
            return
        }
        #expect(file == url.path)
        #expect(entry.hasPrefix("torch_zip/"))
        #expect(method == 8)
    }

    @Test func truncatedFilesGiveErrors() throws {
        let legacy = [UInt8](try Data(contentsOf: checkpointFixture("torch_legacy.pt")))
        // Cut inside the last storage's bytes.
        let cut = try file(Array(legacy.dropLast(3)))
        guard case .truncated(cut.path, _) = loadingError(cut) else {
            Issue.record("expected truncated for a cut legacy file, got \(String(describing: loadingError(cut)))")
            return
        }
        let zip = [UInt8](try Data(contentsOf: checkpointFixture("torch_zip.pt")))
        let cutZip = try file(Array(zip.dropLast(10)), named: "cut.pt")
        guard case .truncated(cutZip.path, _) = loadingError(cutZip) else {
            Issue.record("expected truncated for a cut zip file, got \(String(describing: loadingError(cutZip)))")
            return
        }
        // Every prefix of either file fails with a checkpoint error; none crashes or loads.
        for bytes in [legacy, zip] {
            for length in stride(from: 0, to: bytes.count, by: 23) {
                let url = try file(Array(bytes[0..<length]), named: "prefix.pt")
                #expect(loadingError(url) != nil, "a \(length)-byte prefix loaded")
            }
        }
    }

    @Test func mutatedFilesNeverCrash() throws {
        var generator = RandomGenerator(seed: 5)
        for fixture in ["torch_legacy.pt", "torch_zip.pt"] {
            let bytes = [UInt8](try Data(contentsOf: checkpointFixture(fixture)))
            for _ in 0..<300 {
                var mutated = bytes
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                let url = try file(mutated, named: "mutated.pt")
                do {
                    let loaded = try PyTorchCheckpoint.load(url)
                    for tensor in loaded.values { #expect(tensor.count == tensor.shape.reduce(1, *)) }
                } catch is PyTorchCheckpointError {
                    continue
                }
            }
        }
    }

    /// Reads checkpoint bytes held in memory the way `load` reads a file: true when they
    /// load, false on a `PyTorchCheckpointError`.
    func loadsInMemory(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            let arena = PickleArena()
            defer { arena.clear() }
            do {
                let (root, storages) = try ZipDirectory.looksLikeZip(buffer)
                    ? PyTorchCheckpoint.readZip(buffer, path: "memory", arena: arena)
                    : PyTorchCheckpoint.readLegacy(buffer, path: "memory", arena: arena)
                let state = try PyTorchCheckpoint.findStateDictionary(root, path: "memory")
                for (key, value) in state.entries {
                    guard case let .string(name) = key, case let .tensor(reference) = value,
                          let data = storages[reference.storage.key] else { continue }
                    let tensor = try PyTorchCheckpoint.materialize(reference, storageBytes: data, name: name, path: "memory")
                    #expect(tensor.shape == reference.shape)
                }
                return true
            } catch is PyTorchCheckpointError {
                return false
            } catch {
                Issue.record("unexpected error type \(error)")
                return false
            }
        }
    }

    /// Many more mutations than the file-based test, aimed half the time at the pickles
    /// (start of a legacy file) or the zip directory (end of a zip file), and cut short
    /// one time in seven.
    @Test func mutatedBytesInMemoryNeverCrash() throws {
        var generator = RandomGenerator(seed: 99)
        for fixture in ["torch_legacy.pt", "torch_zip.pt", "torch_protocol4.pt", "torch_nested_legacy.pt"] {
            let bytes = [UInt8](try Data(contentsOf: checkpointFixture(fixture)))
            #expect(loadsInMemory(bytes))
            let zip = ZipDirectory.looksLikeZip(bytes.withUnsafeBytes { UnsafeRawBufferPointer($0) })
            for iteration in 0..<4000 {
                var mutated = bytes
                let region = iteration % 2 == 0
                    ? (zip ? (bytes.count - 700)..<bytes.count : 0..<min(1500, bytes.count))
                    : 0..<bytes.count
                for _ in 0..<Int.random(in: 1...6, using: &generator) {
                    mutated[Int.random(in: region, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                if iteration % 7 == 0 {
                    mutated = Array(mutated.prefix(Int.random(in: 0...mutated.count, using: &generator)))
                }
                _ = loadsInMemory(mutated)
            }
        }
    }

    @Test func handBuiltStridedViewsAndBounds() throws {
        let values: [Float] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
        // A 2x3 view with strides (1, 2) at offset 3: [[3, 5, 7], [4, 6, 8]].
        let view = try file(PickleBytes.legacyCheckpoint(storageValues: values, size: [2, 3], stride: [1, 2], offset: 3))
        #expect(try PyTorchCheckpoint.load(view)["w"]?.scalars == [3, 5, 7, 4, 6, 8])
        // One element too far: offset 5 reaches element 5 + 1 + 2 * 2 = 10 of 10.
        let beyond = try file(PickleBytes.legacyCheckpoint(storageValues: values, size: [2, 3], stride: [1, 2], offset: 5),
                              named: "beyond.pt")
        #expect(loadingError(beyond) == .invalidTensor(
            file: beyond.path, detail: "tensor 'w' reaches element 10 of storage '0', which has 10 elements"))
        let negative = try file(PickleBytes.legacyCheckpoint(storageValues: values, size: [2], stride: [-1], offset: 5),
                                named: "negative.pt")
        guard case .invalidTensor(negative.path, _) = loadingError(negative) else {
            Issue.record("expected invalidTensor for a negative stride")
            return
        }
        // The element count before the bytes disagrees with the pickle.
        let mismatch = try file(PickleBytes.legacyCheckpoint(storageValues: values, size: [10], stride: [1], offset: 0,
                                                              declaredCount: 12), named: "mismatch.pt")
        #expect(loadingError(mismatch) == .invalidTensor(
            file: mismatch.path, detail: "storage '0' holds 10 elements but the pickle says 12"))
    }

    /// Hostile nesting neither crashes (deep recursion on release) nor hangs.
    @Test func deeplyNestedPicklesAreHandled() throws {
        let tuples = try file(PickleBytes.legacyPreamble + [0x80, 0x02, 0x4E] + [UInt8](repeating: 0x85, count: 200_000) + [0x2E],
                              named: "tuples.pt")
        #expect(loadingError(tuples) == .invalidPickle(file: tuples.path, detail: "tuples nested more than 100 deep"))

        // 300,000 lists, each appended to the one before: EMPTY_LIST, LONG_BINPUT i, APPEND, POP, LONG_BINGET i.
        var lists: [UInt8] = [0x80, 0x02, 0x5D]
        for level in 1...300_000 {
            let key = withUnsafeBytes(of: UInt32(level).littleEndian, Array.init)
            lists += [0x5D, 0x72] + key + [0x61, 0x30, 0x6A] + key
        }
        lists += [0x30, 0x7D, 0x2E]  // drop the innermost list; the result is an empty dict
        let keys: [UInt8] = [0x80, 0x02, 0x5D, 0x2E]
        let nested = try file(PickleBytes.legacyPreamble + lists + keys, named: "lists.pt")
        guard case .noStateDict(nested.path, _) = loadingError(nested) else {
            Issue.record("expected noStateDict for nested lists, got \(String(describing: loadingError(nested)))")
            return
        }
        // A list that contains itself.
        let cycle: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E]
        let cyclic = try file(PickleBytes.legacyPreamble + cycle + keys, named: "cycle.pt")
        #expect(loadingError(cyclic) == .noStateDict(file: cyclic.path, detail: "the checkpoint holds a list, not a dict"))
    }

    @Test func otherFilesAreNotCheckpoints() throws {
        let text = try file(Array("hello, this is not a checkpoint".utf8), named: "text.pt")
        guard case .notACheckpoint(text.path, _) = loadingError(text) else {
            Issue.record("expected notACheckpoint")
            return
        }
        let safetensors = checkpointFixture("python_dtypes.safetensors")
        guard case .notACheckpoint = loadingError(safetensors) else {
            Issue.record("expected notACheckpoint for a safetensors file")
            return
        }
        // Protocol-0 INT is not among the supported opcodes.
        let oldOpcode = try file(PickleBytes.legacyPreamble + Array("I42\n.".utf8), named: "int.pt")
        #expect(loadingError(oldOpcode) == .unsupportedOpcode(file: oldOpcode.path, opcode: 0x49,
                                                               offset: PickleBytes.legacyPreamble.count))
        // A pickle of a list, not a dict.
        let list = try file(PickleBytes.legacyPreamble + [0x80, 0x02, 0x5D, 0x2E] + [0x80, 0x02, 0x5D, 0x2E], named: "list.pt")
        #expect(loadingError(list) == .noStateDict(file: list.path, detail: "the checkpoint holds a list, not a dict"))
        let missing = folder.appendingPathComponent("absent.pt")
        guard case .unreadable(missing.path, _) = loadingError(missing) else {
            Issue.record("expected unreadable")
            return
        }
    }
}
