import Foundation
import Testing
@testable import Datasets

/// Each benchmark replica loads to the counts listed in docs/datasets.md (with `--on-error skip`).
@Suite struct BenchmarkLoaderTests {
    typealias F = FixturePaths

    @Test func weibo() throws {
        let data = try F.load(.weibo)
        #expect(data.report.seen == 8 && data.report.loaded == 6 && data.report.skipped.count == 2)
        #expect(F.count(data, .train, "fake") == 3 && F.count(data, .train, "real") == 1)
        #expect(F.count(data, .test, "fake") == 1 && F.count(data, .test, "real") == 1)
        #expect(F.post(data, "1001")?.text == "谣言：某地出现怪兽 http://t.cn/abc")
        #expect(F.post(data, "1002")?.image?.hasSuffix("rumor_images/b2.jpg") == true)
        #expect(F.post(data, "1002")?.imagePaths.count == 2)
        #expect(F.flagged(data, .multipleImages) == ["1002"])
        #expect(F.flagged(data, .missingImage) == ["1003", "3001"])
        #expect(F.flagged(data, .emptyImageFile) == ["3001"])
        #expect(F.flagged(data, .emptyText) == ["3001", "4001"])
        #expect(F.flagged(data, .invalidUTF8) == ["2001"])
        #expect(data.report.flagged.first { $0.kind == .invalidUTF8 }?.location == SourceLocation(file: "tweets/train_nonrumor.txt", line: 3))
        #expect(F.post(data, "2001")?.text == "坏字节\u{FFFD}\u{FFFD}结束")
        #expect(F.skipped(data, .duplicateID) == ["1001"])
        let duplicate = data.report.skipped.first { $0.kind == .duplicateID }
        #expect(duplicate?.message.contains("tweets/train_rumor.txt:1") == true)
        #expect(duplicate?.message.contains("tweets/train_nonrumor.txt:4") == true)
        #expect(data.report.skipped.first { $0.kind == .malformedRecord }?.location.line == 7)
    }

    @Test func twitterMediaEval() throws {
        let data = try F.load(.twitter)
        #expect(data.report.seen == 8 && data.report.loaded == 5)
        #expect(F.count(data, .train, "fake") == 2 && F.count(data, .train, "real") == 1)
        #expect(F.count(data, .test, "fake") == 1 && F.count(data, .test, "real") == 1)
        #expect(F.post(data, "13")?.label == "fake")  // humor counts as fake
        #expect(F.post(data, "12")?.image?.hasSuffix("sandy/sandy_real_1.png") == true)
        #expect(F.post(data, "13")?.image?.hasSuffix("sandy/sandy_fake_1.jpg") == true)
        #expect(F.flagged(data, .multipleImages) == ["13"])
        #expect(F.flagged(data, .missingImage) == ["22"])
        #expect(F.skipped(data, .unknownLabel) == ["14"])
        #expect(F.skipped(data, .duplicateID) == ["11"])
        #expect(data.report.skipped.first { $0.kind == .malformedRecord }?.location == SourceLocation(file: "devset/posts.txt", line: 6))
    }

    @Test func fakedditTwoAndSixWay() throws {
        let two = try F.load(.fakeddit)
        #expect(two.report.seen == 8 && two.report.loaded == 6)
        #expect(F.count(two, .train, "fake") == 2 && F.count(two, .train, "real") == 1)
        #expect(F.count(two, .val, "fake") == 1 && F.count(two, .val, "real") == 1)
        #expect(F.count(two, .test, "fake") == 1)
        #expect(F.flagged(two, .missingImage) == ["a3"])
        #expect(F.skipped(two, .duplicateID) == ["a1"])
        #expect(F.skipped(two, .malformedRecord) == ["a4"])
        var options = F.skipping
        options.labelSet = .sixWay
        let six = try F.load(.fakeddit, options: options)
        #expect(F.post(six, "a2")?.label == "manipulated-content")
        #expect(F.post(six, "a3")?.label == "satire-parody")
        #expect(F.post(six, "b2")?.label == "false-connection")
        #expect(F.post(six, "c1")?.label == "imposter-content")
        options.labelSet = .threeWay
        #expect(F.post(try F.load(.fakeddit, options: options), "a2")?.label == "fake-false-text")
    }

    @Test func mvsaSingle() throws {
        let data = try F.load(.mvsaSingle)
        #expect(data.report.seen == 9 && data.report.loaded == 7)
        let labels = Dictionary(grouping: data.posts, by: { $0.label ?? "" }).mapValues(\.count)
        #expect(labels == ["positive": 4, "negative": 2, "neutral": 1])
        #expect(F.post(data, "2")?.label == "negative")  // neutral text defers to the image
        #expect(F.post(data, "5")?.label == "negative")  // neutral image defers to the text
        #expect(F.skipped(data, .labelConflict) == ["3"])
        #expect(F.skipped(data, .malformedRecord) == ["7"])
        #expect(F.flagged(data, .invalidUTF8) == ["6"])
        #expect(F.post(data, "6")?.text == "Caf\u{FFFD} latte time")
        #expect(F.flagged(data, .missingImage) == ["8"])
        #expect(F.flagged(data, .emptyText) == ["9"])
        // Stratified 8:1:1 per label: positive 4 -> 3/0/1, negative 2 -> 2/0/0, neutral 1 -> 1/0/0.
        #expect(data.posts(in: .train).count == 6 && data.posts(in: .val).isEmpty && data.posts(in: .test).count == 1)
        #expect(data.posts(in: .test).first?.label == "positive")
    }

    @Test func mvsaMultiple() throws {
        let data = try F.load(.mvsaMultiple)
        #expect(data.report.seen == 6 && data.report.loaded == 3)
        #expect(F.post(data, "1")?.label == "positive")
        #expect(F.post(data, "2")?.label == "negative")
        #expect(F.post(data, "5")?.label == "neutral")
        #expect(F.skipped(data, .labelConflict) == ["3", "4"])
        #expect(F.skipped(data, .malformedRecord) == ["6"])
    }

    @Test func tumEmo() throws {
        let data = try F.load(.tumemo)
        #expect(data.report.seen == 8 && data.report.loaded == 5)
        #expect(data.posts.map(\.label) == ["Happy", "Sad", "Love", "Calm", "Angry"])
        #expect(F.post(data, "0")?.text == "sunshine and coffee")
        #expect(F.flagged(data, .missingImage) == ["3"])
        #expect(F.skipped(data, .unknownLabel) == ["4"])
        #expect(F.skipped(data, .duplicateID) == ["2"])
        #expect(data.report.skipped.first { $0.kind == .malformedRecord }?.location.line == 8)
        #expect(data.posts.allSatisfy { $0.split != nil })
    }

    @Test func hfm() throws {
        let data = try F.load(.hfm)
        #expect(data.report.seen == 9 && data.report.loaded == 7)
        #expect(F.count(data, .train, "sarcastic") == 2 && F.count(data, .train, "non-sarcastic") == 1)
        #expect(F.count(data, .val, "non-sarcastic") == 2)
        #expect(F.count(data, .test, "sarcastic") == 1 && F.count(data, .test, "non-sarcastic") == 1)
        // Validation and test lines carry [hashtag label, annotator label]; the last one is used.
        #expect(F.post(data, "200")?.label == "non-sarcastic")
        #expect(F.post(data, "101")?.text == "it 's sunny today")
        #expect(data.report.skipped.first { $0.kind == .malformedRecord }?.location == SourceLocation(file: "text/train.txt", line: 3))
        #expect(F.skipped(data, .duplicateID) == ["100"])
        #expect(F.flagged(data, .missingImage) == ["301"])
    }

    @Test func yelp() throws {
        let data = try F.load(.yelp)
        #expect(data.report.seen == 7 && data.report.loaded == 4)
        #expect(data.posts.map(\.id) == ["r1", "r2", "r3", "r4"])
        #expect(data.posts.map(\.label) == ["5", "2", "3", "4"])
        #expect(data.posts.map(\.split) == [.train, .train, .val, .test])
        #expect(F.post(data, "r2")?.image?.hasSuffix("photos/ac/ac03.jpg") == true)
        #expect(F.flagged(data, .multipleImages) == ["r2"])
        #expect(F.flagged(data, .missingImage) == ["r3"])
        #expect(F.skipped(data, .unknownLabel) == ["r5"])
        #expect(F.skipped(data, .duplicateID) == ["r1"])
        #expect(data.report.skippedCount(.malformedRecord) == 1)
    }

    @Test func easyVQA() throws {
        let data = try F.load(.easyVQA)
        #expect(data.report.seen == 6 && data.report.loaded == 5)
        #expect(data.labelNames == ["circle", "rectangle", "triangle", "red", "green", "blue", "yes", "no"])
        #expect(F.post(data, "train-1")?.text == "What color is the shape?")
        #expect(F.post(data, "train-1")?.label == "red")
        #expect(F.post(data, "train-2")?.image?.hasSuffix("train/images/1.png") == true)
        #expect(F.skipped(data, .unknownLabel) == ["train-3"])
        #expect(F.flagged(data, .missingImage) == ["test-1"])
        #expect(data.posts(in: .test).count == 2)
    }

    @Test func everyLoaderBalancesItsCounts() throws {
        for format in DatasetFormat.allCases {
            let relative: String? = format == .jsonl ? "jsonl/posts.jsonl" : (format == .csv ? "csv/posts.csv" : nil)
            for policy in MissingImagePolicy.allCases {
                var options = F.skipping
                options.missingImage = policy
                let data = try F.load(format, relative, options: options)
                #expect(data.report.isBalanced, "\(format) \(policy)")
                #expect(data.report.loaded == data.posts.count, "\(format) \(policy)")
                #expect(data.report.seen > data.report.loaded, "\(format): every replica holds a skipped record")
                #expect(Set(data.posts.map(\.id)).count == data.posts.count, "\(format)")
            }
        }
    }
}
