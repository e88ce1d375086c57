import Foundation
import Testing
@testable import Datasets

/// The bad-input policies: each case either fails with a message naming file and line, or is
/// skipped/flagged and recorded.
@Suite struct BadInputPolicyTests {
    typealias F = FixturePaths

    @Test func malformedLineFailsNamingFileAndLine() throws {
        do {
            _ = try DatasetLoader.load(F.specifier(.weibo))
            Issue.record("expected the malformed Weibo record to stop the load")
        } catch let error as DatasetError {
            #expect(error == .malformed(
                SourceLocation(file: "tweets/train_nonrumor.txt", line: 7),
                "expected a metadata line starting with a numeric post id and '|', found 'not-an-id|broken metadata'"))
            #expect(error.description.contains("tweets/train_nonrumor.txt:7"))
            #expect(error.description.contains("--on-error skip"))
        }
    }

    @Test func unknownLabelFailsUnlessSkipped() throws {
        do {
            _ = try DatasetLoader.load(F.specifier(.twitter))
            Issue.record("expected the unknown label to stop the load")
        } catch let error as DatasetError {
            #expect(error == .unknownLabel(SourceLocation(file: "devset/posts.txt", line: 5), "unverified", ["real", "fake"]))
        }
        let skipped = try F.load(.twitter)
        #expect(skipped.report.skipped.first { $0.kind == .unknownLabel }?.message.contains("unverified") == true)
    }

    @Test func missingImageDropPolicy() throws {
        var options = F.skipping
        options.missingImage = .drop
        let data = try F.load(.weibo, options: options)
        #expect(data.report.seen == 8 && data.report.loaded == 4)
        #expect(F.skipped(data, .missingImage) == ["1003", "3001"])
        #expect(F.flagged(data, .missingImage).isEmpty)
        #expect(data.report.options.missingImage == .drop)
        #expect(data.posts.allSatisfy { $0.image != nil })
    }

    @Test func missingImageTextOnlyKeepsText() throws {
        let data = try F.load(.weibo)
        let post = try #require(F.post(data, "1003"))
        #expect(post.image == nil && post.text == "图片丢失的帖子")
        #expect(post.imagePaths.count == 1 && post.imagePaths[0].hasSuffix("rumor_images/c1.jpg"))
        #expect(data.report.options.missingImage == .textOnly)
    }

    @Test func missingLayoutNamesTheFile() {
        let specifier = DatasetSpecifier(format: .hfm, path: FixturePaths.root.appendingPathComponent("weibo"))
        #expect(throws: DatasetError.self) { try DatasetLoader.load(specifier) }
        do { _ = try DatasetLoader.load(specifier) } catch {
            #expect(String(describing: error).contains("text/train.txt"))
        }
    }
}
