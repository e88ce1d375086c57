import Foundation
import Testing
@testable import Datasets

@Suite struct DatasetInspectionTests {
    @Test func hfmReplicaTable() throws {
        let data = try FixturePaths.load(.hfm)
        let inspection = DatasetInspection(data)
        // Text lengths of the 7 loaded posts: 3, 16, 17, 21, 25, 26, 41 characters (nearest rank).
        #expect(inspection.textLengths == .init(p50: 21, p90: 41, p99: 41, max: 41))
        let lines = inspection.table().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "dataset  hfm:" + FixturePaths.root.appendingPathComponent("hfm").path)
        let expected = [
            "records  seen 9, loaded 7, skipped 2",
            "",
            "split  label          posts",
            "train  non-sarcastic      1",
            "train  sarcastic          2",
            "train  all                3",
            "val    non-sarcastic      2",
            "val    all                2",
            "test   non-sarcastic      1",
            "test   sarcastic          1",
            "test   all                2",
            "total                     7",
            "",
            "images               found 6  missing 1  zero-byte 0  several named 0",
            "duplicates           ids 1",
            "text length (chars)  p50 21   p90 41     p99 41       max 41",
            "",
            "issue            records",
            "missingImage           1",
            "duplicateID            1",
            "malformedRecord        1",
            "",
        ]
        #expect(Array(lines.dropFirst()) == expected)
    }

    @Test func weiboReplicaCountsImageProblems() throws {
        let inspection = DatasetInspection(try FixturePaths.load(.weibo))
        #expect(inspection.imagesFound == 4 && inspection.imagesMissing == 2 && inspection.imagesZeroBytes == 1)
        #expect(inspection.multipleImages == 1 && inspection.duplicateIDs == 1)
        #expect(inspection.counts["train"] == ["fake": 3, "real": 1])
        #expect(inspection.issues["invalidUTF8"] == 1 && inspection.issues["emptyText"] == 2)
    }
}
