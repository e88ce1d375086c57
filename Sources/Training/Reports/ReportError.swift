import Foundation

/// Why a report could not be written; each case names the file and the fix.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    case missingFile(path: String, hint: String)
    case malformedFile(path: String, line: Int?, detail: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingFile(let path, let hint):
            return "\(path): not found; \(hint)"
        case .malformedFile(let path, let line, let detail):
            let location = line.map { "\(path):\($0)" } ?? path
            return "\(location): \(detail); the run directory may be from an older or interrupted run, train it again"
        case .cannotWrite(let path, let reason):
            return "\(path): cannot write (\(reason)); choose an --out directory you can write to"
        }
    }
}
