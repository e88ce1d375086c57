import Foundation
import Testing
@testable import Datasets

@Suite struct SplitsTests {
    typealias F = FixturePaths

    func syntheticPosts() -> [Post] {
        (0..<100).map { index in
            Post(id: "p\(index)", text: "t", imagePaths: [], image: nil, label: index < 70 ? "a" : "b", split: nil,
                 source: SourceLocation(file: "x", line: index + 1))
        }
    }

    @Test func stratifiedSplitKeepsProportionsPerLabel() {
        let posts = syntheticPosts()
        let split = SplitAssignment.stratified(posts, seed: 7)
        let labelOf = Dictionary(uniqueKeysWithValues: posts.map { ($0.id, $0.label ?? "") })
        func count(_ ids: [String], _ label: String) -> Int { ids.filter { labelOf[$0] == label }.count }
        #expect(count(split.train, "a") == 56 && count(split.val, "a") == 7 && count(split.test, "a") == 7)
        #expect(count(split.train, "b") == 24 && count(split.val, "b") == 3 && count(split.test, "b") == 3)
        #expect(Set(split.train + split.val + split.test).count == 100)
    }

    @Test func stratifiedSplitIsSeeded() {
        let posts = syntheticPosts()
        #expect(SplitAssignment.stratified(posts, seed: 7) == SplitAssignment.stratified(posts, seed: 7))
        #expect(SplitAssignment.stratified(posts, seed: 7).test != SplitAssignment.stratified(posts, seed: 8).test)
    }

    @Test func exportedSplitReloadsExactly() throws {
        var options = F.skipping
        options.splitSeed = 3
        let first = try F.load(.mvsaSingle, options: options)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mvsa-split-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try SplitAssignment(posts: first.posts).write(to: file)
        options.splitSeed = 99
        options.splitFile = file.path
        let second = try F.load(.mvsaSingle, options: options)
        #expect(second.posts.map(\.id) == first.posts.map(\.id))
        #expect(second.posts.map(\.split) == first.posts.map(\.split))
        #expect(second.report.isBalanced)
    }

    @Test func splitFileOverridesOfficialSplitAndRecordsUnlisted() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hfm-split-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try SplitAssignment(train: ["300", "101"], val: ["100"], test: ["200"]).write(to: file)
        var options = F.skipping
        options.splitFile = file.path
        let data = try F.load(.hfm, options: options)
        #expect(data.posts.map(\.id) == ["100", "101", "200", "300"])
        #expect(F.post(data, "300")?.split == .train && F.post(data, "100")?.split == .val && F.post(data, "200")?.split == .test)
        #expect(F.skipped(data, .notInSplitFile) == ["103", "201", "301"])
        #expect(data.report.isBalanced && data.report.seen == 9 && data.report.loaded == 4)
    }

    @Test func splitFileWithAnIdTwiceIsRejected() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-split-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"train": ["1", "2"], "val": ["2"], "test": []}"#.utf8).write(to: file)
        #expect(throws: DatasetError.badSplitFile(file.path, "id 2 is listed in both train and val")) {
            try SplitAssignment.read(from: file)
        }
    }
}
