import Foundation

/// How one process of a group shares an extraction (`extract --distributed mpi`).
///
/// Process `rank` of `size` extracts the shards whose index ≡ rank (mod size): the same
/// shards, with the same rows, that a single process would write. Each process writes its
/// shard files and, beside each, a `shard-NNNNN.records.json` with that shard's records and
/// skips; after `barrier`, process 0 merges them into `manifest.json` (then removes them),
/// so the store is byte for byte what one process makes. A killed process leaves its
/// finished shards (file and records) behind; running the extraction again, with any
/// number of processes, fills only the shards still missing.
public struct ExtractionPartition {
    /// This process's number, `0..<size`.
    public var rank: Int
    /// The number of processes sharing the extraction.
    public var size: Int
    /// Returns once every process of the group has called it.
    public var barrier: () throws -> Void

    /// A partition for process `rank` of `size`, synchronised by `barrier`.
    public init(rank: Int, size: Int, barrier: @escaping () throws -> Void) {
        self.rank = rank
        self.size = size
        self.barrier = barrier
    }

    /// One process doing everything.
    public static let single = ExtractionPartition(rank: 0, size: 1, barrier: {})

    /// Whether this process extracts shard `index`.
    func owns(_ index: Int) -> Bool { index % max(size, 1) == rank }
}

/// A finished shard's records and skips, written beside the shard by a process that does
/// not write the manifest itself.
struct ShardRecords: Codable, Equatable {
    var shard: FeatureManifest.Shard
    var records: [FeatureManifest.Record]
    var skipped: [FeatureManifest.Skip]

    static func fileName(_ index: Int) -> String { String(format: "shard-%05d.records.json", index) }

    static func read(_ index: Int, in directory: URL) -> ShardRecords? {
        let url = directory.appendingPathComponent(fileName(index))
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return try? JSONDecoder().decode(ShardRecords.self, from: data)
    }

    /// Written under a temporary name and renamed, before the shard file itself, so that a
    /// shard file on disk always has its records.
    func write(in directory: URL) throws {
        let url = directory.appendingPathComponent(Self.fileName(shard.index))
        let temporary = directory.appendingPathComponent(Self.fileName(shard.index) + ".partial")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(self).write(to: temporary)
        if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
        try FileManager.default.moveItem(at: temporary, to: url)
    }
}
