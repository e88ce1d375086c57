import Foundation
import Testing
@testable import Datasets

@Suite struct GenericLoaderTests {
    typealias F = FixturePaths

    @Test func jsonLines() throws {
        let data = try F.load(.jsonl, "jsonl/posts.jsonl")
        #expect(data.report.seen == 7 && data.report.loaded == 4)
        #expect(data.posts.map(\.id) == ["j1", "j2", "j3", "j5"])
        #expect(data.posts.map(\.split) == [.train, .train, .test, .val])
        #expect(F.post(data, "j3")?.label == nil)
        #expect(F.post(data, "j2")?.image?.hasSuffix("jsonl/images/j2.jpg") == true)
        #expect(F.flagged(data, .multipleImages) == ["j2"])
        #expect(F.flagged(data, .emptyText) == ["j5"])
        #expect(F.skipped(data, .duplicateID) == ["j1"])
        #expect(data.report.skipped.filter { $0.kind == .malformedRecord }.map(\.location.line) == [4, 6])
        #expect(data.labelNames == ["neg", "pos"])
    }

    @Test func jsonLinesCleaning() throws {
        var options = F.skipping
        options.cleaning = TextCleaning(urls: .strip, mentions: .strip, hashtags: .word, collapseRepeatedPunctuation: true)
        let data = try F.load(.jsonl, "jsonl/posts.jsonl", options: options)
        #expect(F.post(data, "j1")?.text == "hello tag!")
        #expect(data.report.options.cleaning == options.cleaning)
    }

    @Test func csvWithQuotesAndMultilineFields() throws {
        let data = try F.load(.csv, "csv/posts.csv")
        #expect(data.report.seen == 6 && data.report.loaded == 4)
        #expect(data.posts.map(\.id) == ["c1", "c2", "c3", "c5"])
        #expect(F.post(data, "c1")?.text == "Hello, world")
        #expect(F.post(data, "c2")?.text == "multi line text")
        #expect(F.post(data, "c3")?.text == "quote \"inside\"")
        #expect(F.post(data, "c3")?.source.line == 5)
        #expect(F.flagged(data, .multipleImages) == ["c2"])
        #expect(F.flagged(data, .missingImage) == ["c3"])
        #expect(data.report.skipped.first { $0.kind == .malformedRecord }?.location.line == 6)
        #expect(F.skipped(data, .duplicateID) == ["c1"])
    }

    @Test func specifierParsing() throws {
        let weibo = try DatasetSpecifier(parsing: "weibo:/data/weibo")
        #expect(weibo.format == .weibo && weibo.path.path == "/data/weibo")
        let cached = try DatasetSpecifier(parsing: "easy-vqa", environment: ["MMFUSION_CACHE": "/tmp/cache", "HOME": "/home/x"])
        #expect(cached.path.path == "/tmp/cache/easy-vqa")
        let home = try DatasetSpecifier(parsing: "easy-vqa:", environment: ["HOME": "/home/x"])
        #expect(home.path.path == "/home/x/.cache/mmfusion/easy-vqa")
        #expect(throws: DatasetError.self) { try DatasetSpecifier(parsing: "instagram:/x") }
        #expect(throws: DatasetError.self) { try DatasetSpecifier(parsing: "weibo") }
    }

    @Test func pythonListLiterals() {
        #expect(PythonListLiteral.parse("['1', \"it 's\", 1, 0]") == [.string("1"), .string("it 's"), .integer(1), .integer(0)])
        #expect(PythonListLiteral.parse("['a\\'b', 0]") == [.string("a'b"), .integer(0)])
        #expect(PythonListLiteral.parse("['open, 1]") == nil)
        #expect(PythonListLiteral.parse("'x', 1") == nil)
    }
}
