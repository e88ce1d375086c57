import Foundation
import Tensors

/// A split as data: the exact ids of each part, read from and written to
/// `{"train": [...], "val": [...], "test": [...]}`.
public struct SplitAssignment: Codable, Equatable, Sendable {
    public var train: [String]
    public var val: [String]
    public var test: [String]

    public init(train: [String], val: [String], test: [String]) {
        self.train = train
        self.val = val
        self.test = test
    }

    /// The split of each listed id.
    public var membership: [String: SplitName] {
        var result: [String: SplitName] = [:]
        for id in test { result[id] = .test }
        for id in val { result[id] = .val }
        for id in train { result[id] = .train }
        return result
    }

    /// The split the posts carry now (posts without a split are left out).
    public init(posts: [Post]) {
        self.init(
            train: posts.filter { $0.split == .train }.map(\.id),
            val: posts.filter { $0.split == .val }.map(\.id),
            test: posts.filter { $0.split == .test }.map(\.id))
    }

    /// Random stratified split: within each label (posts without a label form one group), ids
    /// are shuffled with `RandomGenerator(seed:)` and cut into `round(n * trainFraction)` train,
    /// `round(n * valFraction)` val and the rest test. Same posts and seed give the same split.
    public static func stratified(
        _ posts: [Post], trainFraction: Double = 0.8, valFraction: Double = 0.1, seed: UInt64
    ) -> SplitAssignment {
        var groups: [String: [String]] = [:]
        for post in posts { groups[post.label ?? "", default: []].append(post.id) }
        var generator = RandomGenerator(seed: seed)
        var result = SplitAssignment(train: [], val: [], test: [])
        for label in groups.keys.sorted() {
            let ids = groups[label] ?? []
            let order = generator.permutation(ids.count)
            let trainCount = Int((Double(ids.count) * trainFraction).rounded())
            let valCount = min(ids.count - trainCount, Int((Double(ids.count) * valFraction).rounded()))
            for (position, index) in order.enumerated() {
                if position < trainCount {
                    result.train.append(ids[index])
                } else if position < trainCount + valCount {
                    result.val.append(ids[index])
                } else {
                    result.test.append(ids[index])
                }
            }
        }
        return result
    }

    /// Reads a split file; an id listed in two parts is an error naming it.
    public static func read(from url: URL) throws -> SplitAssignment {
        guard let data = try? Data(contentsOf: url) else {
            throw DatasetError.badSplitFile(url.path, "cannot be read; write it with `mmfusion datasets inspect ... --export-split`")
        }
        let assignment: SplitAssignment
        do { assignment = try JSONDecoder().decode(SplitAssignment.self, from: data) } catch {
            throw DatasetError.badSplitFile(url.path, "expected {\"train\": [ids], \"val\": [ids], \"test\": [ids]} (\(error))")
        }
        var seen: [String: String] = [:]
        for (name, ids) in [("train", assignment.train), ("val", assignment.val), ("test", assignment.test)] {
            for id in ids {
                if let other = seen[id] { throw DatasetError.badSplitFile(url.path, "id \(id) is listed in both \(other) and \(name)") }
                seen[id] = name
            }
        }
        return assignment
    }

    /// Writes the split as pretty JSON.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }
}
