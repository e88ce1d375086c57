import Foundation

/// JSON helpers shared by the JSON-based loaders.
enum JSONRecords {
    /// Parses one line as a JSON object; nil when it is not one.
    static func object(_ text: String) -> [String: Any]? {
        guard let data = text.data(using: .utf8),
              let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        else { return nil }
        return value as? [String: Any]
    }

    /// A scalar field as text (strings as written, numbers without a trailing `.0`).
    static func string(_ value: Any?) -> String? {
        switch value {
        case let text as String: return text
        case let number as NSNumber:
            let double = number.doubleValue
            if double == double.rounded() && abs(double) < 1e15 { return String(Int64(double)) }
            return number.stringValue
        default: return nil
        }
    }
}
