import Foundation
import Testing
@testable import Tensors

/// Sharded checkpoints and model folders (`TensorArchive`, `SafetensorsIndex`), against
/// the fixtures of Tests/Fixtures/generate/checkpoints.py; values must match exactly.
@Suite final class SafetensorsIndexTests {
    let folder: URL

    init() throws { folder = try makeTemporaryFolder("tensor-archive") }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func archiveError(_ url: URL) -> TensorArchiveError? {
        do {
            _ = try TensorArchive(contentsOf: url)
            return nil
        } catch let error as TensorArchiveError {
            return error
        } catch {
            Issue.record("unexpected error type \(error)")
            return nil
        }
    }

    /// A copy of the sharded fixture folder whose index text is `transform`ed.
    func shardedCopy(_ transform: (String) -> String, keepShards: Bool = true) throws -> URL {
        let source = checkpointFixture("sharded")
        let target = folder.appendingPathComponent("sharded-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            if name.hasSuffix(".index.json") {
                let text = try String(contentsOf: source.appendingPathComponent(name), encoding: .utf8)
                try transform(text).write(to: target.appendingPathComponent(name), atomically: true, encoding: .utf8)
            } else if keepShards {
                try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: target.appendingPathComponent(name))
            }
        }
        return target
    }

    @Test(arguments: ["sharded", "sharded_bin", "sharded/model.safetensors.index.json"])
    func readsShardedCheckpoints(location: String) throws {
        let archive = try TensorArchive(contentsOf: checkpointFixture(location))
        let expected = try expectedTensors("sharded_expected.json")
        #expect(archive.names == expected.keys.sorted())
        #expect(archive.files.count == 2)
        for (name, entry) in expected {
            #expect(archive.shape(of: name) == entry.shape)
            let tensor = try archive.tensor(name)
            #expect(tensor.shape == entry.shape, "\(name)")
            #expect(tensor.scalars == entry.values, "\(name)")
        }
        #expect(try archive.tensors().count == expected.count)
        #expect(archive.dtype(of: "head.weight") == .f16)
        #expect(archive.dtype(of: "embeddings.weight") == .f32)
        #expect(archive.dtype(of: "absent") == nil)
        #expect(archive.shape(of: "absent") == nil)
        #expect(throws: TensorArchiveError.tensorNotFound(archive: archive.location.path, tensor: "absent", available: 4)) {
            try archive.tensor("absent")
        }
    }

    @Test func readsTheIndexItself() throws {
        let index = try SafetensorsIndex(contentsOf: checkpointFixture("sharded/model.safetensors.index.json"))
        #expect(index.shardNames == ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
        #expect(index.weightMap["head.weight"] == "model-00002-of-00002.safetensors")
        // 15 + 9 + 3 Float32 values and 6 Float16 values.
        #expect(index.metadata["total_size"] == "\(27 * 4 + 6 * 2)")
    }

    @Test func picksTheWeightFileOfAFolder() throws {
        let single = folder.appendingPathComponent("single")
        try FileManager.default.createDirectory(at: single, withIntermediateDirectories: true)
        try Safetensors.write(["a": Tensor([1, 2])], to: single.appendingPathComponent("weights.safetensors"))
        #expect(try TensorArchive(contentsOf: single).tensor("a").scalars == [1, 2])
        // The standard name wins over any other file.
        try Safetensors.write(["b": Tensor([3])], to: single.appendingPathComponent("model.safetensors"))
        let standard = try TensorArchive(contentsOf: single)
        #expect(standard.names == ["b"])
        #expect(standard.files.map(\.lastPathComponent) == ["model.safetensors"])
        // A PyTorch checkpoint by itself.
        let torchFolder = folder.appendingPathComponent("torch")
        try FileManager.default.createDirectory(at: torchFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: checkpointFixture("torch_zip.pt"), to: torchFolder.appendingPathComponent("best.pt"))
        let torchArchive = try TensorArchive(contentsOf: torchFolder)
        #expect(torchArchive.names.count == 15)
        #expect(torchArchive.dtype(of: "ids") == .i64)
        #expect(torchArchive.dtype(of: "half") == .f16)
        #expect(torchArchive.dtype(of: "mask") == .bool)
        #expect(torchArchive.dtype(of: "transposed") == .f32)
    }

    @Test func folderErrors() throws {
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        guard case .noWeights(empty.path, _) = archiveError(empty) else {
            Issue.record("expected noWeights")
            return
        }
        let two = folder.appendingPathComponent("two")
        try FileManager.default.createDirectory(at: two, withIntermediateDirectories: true)
        try Safetensors.write(["a": Tensor([1])], to: two.appendingPathComponent("x.safetensors"))
        try Safetensors.write(["a": Tensor([1])], to: two.appendingPathComponent("y.safetensors"))
        #expect(archiveError(two) == .ambiguousWeights(directory: two.path, candidates: ["x.safetensors", "y.safetensors"]))
        let unknown = folder.appendingPathComponent("weights.npz")
        try Data([1, 2, 3]).write(to: unknown)
        #expect(archiveError(unknown) == .unknownFormat(file: unknown.path))
    }

    @Test func shardErrors() throws {
        let noShards = try shardedCopy({ $0 }, keepShards: false)
        let index = noShards.appendingPathComponent("model.safetensors.index.json").path
        #expect(archiveError(noShards) == .missingShard(index: index, shard: "model-00001-of-00002.safetensors"))

        let wrongShard = try shardedCopy {
            $0.replacingOccurrences(of: "\"head.weight\": \"model-00002-of-00002.safetensors\"",
                                    with: "\"head.weight\": \"model-00001-of-00002.safetensors\"")
        }
        #expect(archiveError(wrongShard) == .tensorMissingFromShard(
            index: wrongShard.appendingPathComponent("model.safetensors.index.json").path,
            tensor: "head.weight", shard: "model-00001-of-00002.safetensors"))

        let escaping = try shardedCopy {
            $0.replacingOccurrences(of: "\"head.weight\": \"model-00002-of-00002.safetensors\"",
                                    with: "\"head.weight\": \"../../secret.safetensors\"")
        }
        guard case let .invalidIndex(_, detail) = archiveError(escaping) else {
            Issue.record("expected invalidIndex for a shard outside the folder")
            return
        }
        #expect(detail.contains("../../secret.safetensors"))

        let notJSON = try shardedCopy { String($0.dropLast(5)) }
        guard case .invalidIndex = archiveError(notJSON) else {
            Issue.record("expected invalidIndex for a cut index")
            return
        }
        let noMap = try shardedCopy { $0.replacingOccurrences(of: "weight_map", with: "weights") }
        #expect(archiveError(noMap) == .invalidIndex(
            file: noMap.appendingPathComponent("model.safetensors.index.json").path, detail: "it has no \"weight_map\" object"))
    }
}
