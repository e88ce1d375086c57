import Foundation
import Tensors

/// A directory of cached encoder features: `manifest.json` plus Float16 safetensors
/// shards `shard-00000.safetensors`, ... (see docs/feature-store.md).
///
/// Shards are written under a temporary name and renamed when complete, and the manifest
/// is rewritten (atomically) after each shard, so a killed extraction resumes where it
/// stopped and never leaves half a shard that looks whole. Extracting into an existing
/// store checks that it was made the same way (dataset, post list, encoders and their
/// weight hashes, preprocessing, feature spec) and only fills in the missing shards.
public struct FeatureStore {
    /// The store's directory.
    public let directory: URL
    /// Its manifest.
    public let manifest: FeatureManifest

    /// Opens an existing store.
    /// - Throws: `FeatureStoreError` when the manifest is missing or unreadable.
    public static func open(at directory: URL) throws -> FeatureStore {
        FeatureStore(directory: directory, manifest: try FeatureManifest.read(from: directory))
    }

    /// The feature names the store holds.
    public var featureNames: [String] { manifest.spec.featureNames }

    /// The one feature stored as `F32` instead of `F16`: `text.token_ids`, whose vocabulary
    /// ids must survive exactly (Float16 rounds integers above 2048 and overflows past 65504).
    public static let exactFeature = "text.token_ids"

    /// Every stored post as one table (Float32), in manifest order; `features` limits the
    /// tensors read (nil: all).
    /// - Throws: `FeatureStoreError.unknownFeature`, `.missingFile` for an absent shard, or
    ///   `.corrupt` when a shard disagrees with the manifest.
    public func table(features: [String]? = nil) throws -> FeatureTable {
        let names = features ?? featureNames
        for name in names where !featureNames.contains(name) {
            throw FeatureStoreError.unknownFeature(name: name, available: featureNames)
        }
        guard manifest.isComplete else {
            throw FeatureStoreError.corrupt(directory.path, "the extraction is incomplete (\(manifest.shards.count) shards written); "
                + "rerun the same `mmfusion extract` command to finish it, then")
        }
        var parts: [String: [Tensor]] = [:]
        for shard in manifest.shards.sorted(by: { $0.index < $1.index }) where shard.rows > 0 {
            let url = directory.appendingPathComponent(shard.file)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw FeatureStoreError.missingFile(url.path, "rerun the same `mmfusion extract` command to rebuild it")
            }
            let file = try SafetensorsFile(contentsOf: url)
            for name in names {
                let tensor = try file.tensor(name)
                guard tensor.shape == [shard.rows] + (manifest.featureShapes[name] ?? []) else {
                    throw FeatureStoreError.corrupt(url.path, "tensor \(name) has shape \(tensor.shape), the manifest says "
                        + "\([shard.rows] + (manifest.featureShapes[name] ?? []))")
                }
                parts[name, default: []].append(tensor)
            }
        }
        let records = manifest.records
        var tensors: [String: Tensor] = [:]
        for name in names {
            let pieces = parts[name] ?? []
            tensors[name] = pieces.isEmpty ? Tensor.zeros([0] + (manifest.featureShapes[name] ?? []))
                : pieces.count == 1 ? pieces[0] : Tensor.concat(pieces, axis: 0)
        }
        return FeatureTable(
            ids: records.map(\.id),
            labels: records.map { record in record.label.flatMap { manifest.labelNames.firstIndex(of: $0) } },
            labelNames: manifest.labelNames, splits: records.map(\.split), textPresent: records.map(\.textPresent),
            imagePresent: records.map(\.imagePresent), features: tensors)
    }

    /// Extracts `dataset` into `directory` (created if needed), resuming an earlier run.
    ///
    /// - Parameters:
    ///   - specifier: `<format>:<path>` of the dataset, recorded in the manifest.
    ///   - limit: extract only the first N posts (nil: all).
    ///   - shardSize: posts per shard.
    ///   - partition: this process's share of a multi-process extraction (`ExtractionPartition`).
    ///   - progress: called with (posts done, posts planned) after each batch.
    /// - Throws: `FeatureStoreError.mismatch` when the existing store differs, encoder and
    ///   I/O errors.
    @discardableResult
    public static func extract(
        dataset: LoadedDataset, specifier: String, options: LoadOptions, extractor: FeatureExtractor, into directory: URL,
        limit: Int? = nil, batchSize: Int = 32, shardSize: Int = 512, partition: ExtractionPartition = .single,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> FeatureStore {
        let posts = limit.map { Array(dataset.posts.prefix(max($0, 0))) } ?? dataset.posts
        guard shardSize > 0, batchSize > 0 else {
            throw FeatureStoreError.empty("--shard-size and --batch-size must be positive")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let postListHash = SHA256.hex(Array(posts.map(\.id).joined(separator: "\n").utf8))
        var loaderSkips = dataset.report.skipped.map {
            FeatureManifest.Skip(id: $0.postID, location: $0.location.description, reason: "\($0.kind.rawValue): \($0.message)")
        }
        if posts.count < dataset.posts.count {
            loaderSkips += dataset.posts[posts.count...].map {
                FeatureManifest.Skip(id: $0.id, location: $0.source.description, reason: "limit: beyond --limit \(posts.count)")
            }
        }
        let fresh = FeatureManifest(
            dataset: specifier, loadOptions: options, labelNames: dataset.labelNames, encoders: extractor.encoderRecords,
            spec: extractor.spec, featureShapes: extractor.featureShapes, shardSize: shardSize, postListHash: postListHash,
            plannedPosts: posts.count, shards: [], records: [], skipped: loaderSkips, seen: dataset.report.seen)
        // A killed run may have left temporary files behind; they are never read.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        where name.contains(".safetensors.tmp-") || name.hasSuffix(".partial") {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
        if partition.size > 1 { try partition.barrier() }  // no process removes another's files in progress
        var manifest = fresh
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent(FeatureManifest.fileName).path) {
            let existing = try FeatureManifest.read(from: directory)
            try checkCompatible(existing, with: fresh, store: directory.path)
            manifest = existing
        }
        let shardCount = (posts.count + shardSize - 1) / shardSize
        let exists = { (file: String) in FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path) }
        var done = Set(manifest.shards.filter { exists($0.file) }.map(\.index))
        manifest.shards.removeAll { !done.contains($0.index) }
        manifest.records.removeAll { !done.contains($0.shard) }
        manifest.skipped = loaderSkips + manifest.skipped.filter { skip in skip.shard.map(done.contains) ?? false }
        // Shards another process finished (file and records) but whose records are not merged yet.
        var unmerged: [Int: ShardRecords] = [:]
        for index in 0..<shardCount where !done.contains(index) {
            if let side = ShardRecords.read(index, in: directory), exists(side.shard.file) {
                unmerged[index] = side
                done.insert(index)
            }
        }
        let sharing = partition.size > 1
        var completed = done.count * shardSize
        progress?(min(completed, posts.count), posts.count)
        for index in 0..<shardCount where !done.contains(index) && partition.owns(index) {
            let members = Array(posts[index * shardSize..<min((index + 1) * shardSize, posts.count)])
            let base = completed
            let result = try extractor.features(for: members, labelNames: dataset.labelNames, batchSize: batchSize) {
                progress?(min(base + $0, posts.count), posts.count)
            }
            let file = String(format: "shard-%05d.safetensors", index)
            let url = directory.appendingPathComponent(file)
            var tensors = result.table.features
            if result.table.count == 0 {
                tensors = [:]  // an all-skipped shard holds no rows; its file marks it done
            }
            let placedRecords = result.records.enumerated().map { row, record in
                var placed = record
                placed.shard = index
                placed.row = row
                return placed
            }
            let placedSkips = result.skipped.map { skip in
                var tagged = skip
                tagged.shard = index
                return tagged
            }
            let shard = FeatureManifest.Shard(index: index, file: file, rows: result.table.count)
            if sharing {
                try ShardRecords(shard: shard, records: placedRecords, skipped: placedSkips).write(in: directory)
            }
            // Written under a temporary name and renamed when complete (Safetensors.write).
            try Safetensors.write(tensors, to: url, metadata: ["shard": String(index), "rows": String(result.table.count)],
                                  dtype: .f16,
                                  dtypeOverrides: tensors[exactFeature] == nil ? [:] : [exactFeature: .f32])
            completed += members.count
            if sharing { continue }
            unmerged[index] = ShardRecords(shard: shard, records: placedRecords, skipped: placedSkips)
            try merge(&unmerged, into: &manifest, loaderSkips: loaderSkips, directory: directory)
        }
        if sharing {
            try partition.barrier()  // every process has written its shards and their records
            if partition.rank == 0 {
                for index in 0..<shardCount where unmerged[index] == nil && !manifest.shards.contains(where: { $0.index == index }) {
                    if let side = ShardRecords.read(index, in: directory), exists(side.shard.file) { unmerged[index] = side }
                }
                try merge(&unmerged, into: &manifest, loaderSkips: loaderSkips, directory: directory)
            }
            try partition.barrier()  // the manifest is merged
            if partition.rank != 0 { manifest = try FeatureManifest.read(from: directory) }
        } else if shardCount == 0 || !unmerged.isEmpty {
            try merge(&unmerged, into: &manifest, loaderSkips: loaderSkips, directory: directory)
        }
        return FeatureStore(directory: directory, manifest: manifest)
    }

    /// Adds finished shards' records and skips to `manifest` in canonical order (shards,
    /// records by shard and row, the loader's skips then each shard's in shard order),
    /// writes it, and removes the merged shards' record files.
    static func merge(_ unmerged: inout [Int: ShardRecords], into manifest: inout FeatureManifest,
                      loaderSkips: [FeatureManifest.Skip], directory: URL) throws {
        for (_, side) in unmerged {
            manifest.shards.append(side.shard)
            manifest.records += side.records
            manifest.skipped += side.skipped
        }
        manifest.shards.sort { $0.index < $1.index }
        manifest.records.sort { ($0.shard, $0.row) < ($1.shard, $1.row) }
        let shardSkips = manifest.skipped.dropFirst(loaderSkips.count).enumerated()
            .sorted { ($0.element.shard ?? -1, $0.offset) < ($1.element.shard ?? -1, $1.offset) }.map(\.element)
        manifest.skipped = loaderSkips + shardSkips
        try manifest.write(to: directory)
        for index in unmerged.keys {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(ShardRecords.fileName(index)))
        }
        unmerged.removeAll()
    }

    /// Throws the first difference that makes `existing` a store of other features.
    static func checkCompatible(_ existing: FeatureManifest, with fresh: FeatureManifest, store: String) throws {
        func mismatch(_ field: String, _ old: String, _ new: String) -> FeatureStoreError {
            .mismatch(store: store, field: field, detail: "\(old) in the store, \(new) now")
        }
        if existing.formatVersion != fresh.formatVersion {
            throw mismatch("format version", "\(existing.formatVersion)", "\(fresh.formatVersion)")
        }
        if existing.dataset != fresh.dataset { throw mismatch("dataset", existing.dataset, fresh.dataset) }
        if existing.loadOptions != fresh.loadOptions {
            let encoder = JSONEncoder.sorted
            let old = (try? encoder.encode(existing.loadOptions)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
            let new = (try? encoder.encode(fresh.loadOptions)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
            throw mismatch("loading options (cleaning, missing-image policy, label set, split)", old, new)
        }
        if existing.postListHash != fresh.postListHash || existing.plannedPosts != fresh.plannedPosts {
            throw mismatch("post list", "\(existing.plannedPosts) posts", "\(fresh.plannedPosts) posts (or other ids/order; check --limit)")
        }
        if existing.spec != fresh.spec {
            throw mismatch("feature spec", existing.spec.featureNames.joined(separator: ","),
                           fresh.spec.featureNames.joined(separator: ",") + " (layer count \(fresh.spec.textLayerCount))")
        }
        if existing.shardSize != fresh.shardSize {
            throw mismatch("shard size", "\(existing.shardSize)", "\(fresh.shardSize)")
        }
        for (old, new) in zip(existing.encoders, fresh.encoders) {
            if let difference = new.difference(from: old) {
                throw FeatureStoreError.mismatch(store: store, field: "\(new.role) encoder", detail: difference)
            }
        }
        if existing.encoders.count != fresh.encoders.count {
            throw mismatch("encoder list", existing.encoders.map(\.role).joined(separator: ","),
                           fresh.encoders.map(\.role).joined(separator: ","))
        }
    }
}
