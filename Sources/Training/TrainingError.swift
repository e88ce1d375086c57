import Foundation

/// Why training, evaluation or a run directory failed. Each message says what, where
/// and how to fix it.
public enum TrainingError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// Values handed to the library that it cannot use (empty split, bad lengths).
    case invalidInput(String)
    /// A configuration value (YAML, flag or preset) that is out of range or unknown.
    case invalidConfiguration(String)
    /// A file of a run directory, feature export or experiment store that is missing or malformed.
    case badFile(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidInput(message): return message
        case let .invalidConfiguration(message): return "invalid training configuration: \(message)"
        case let .badFile(path, reason): return "\(path): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
