import Foundation

/// Loads the JSON fixtures under Tests/Fixtures/<area>/ (written by
/// Tests/Fixtures/generate/<area>.py).
enum ReportFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func json(_ area: String, _ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent(area).appendingPathComponent(name))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return object
    }

    static func double(_ value: Any?) -> Double {
        (value as? NSNumber)?.doubleValue ?? .nan
    }

    static func doubles(_ value: Any?) -> [Double] {
        (value as? [NSNumber])?.map(\.doubleValue) ?? []
    }

    static func matrix(_ value: Any?) -> [[Double]] {
        (value as? [[NSNumber]])?.map { $0.map(\.doubleValue) } ?? []
    }

    static func integers(_ value: Any?) -> [Int] {
        (value as? [NSNumber])?.map(\.intValue) ?? []
    }

    /// |actual − expected| ≤ absolute + relative·|expected|.
    static func close(_ actual: Double, _ expected: Double, absolute: Double = 0, relative: Double = 0) -> Bool {
        abs(actual - expected) <= absolute + relative * abs(expected)
    }
}
