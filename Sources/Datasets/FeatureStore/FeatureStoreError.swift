/// Why a feature store could not be written or read. Each case names the file or field
/// and the fix.
public enum FeatureStoreError: Error, CustomStringConvertible, Equatable {
    /// A file the store needs is missing.
    case missingFile(String, String)
    /// The manifest or a shard is unreadable or inconsistent.
    case corrupt(String, String)
    /// The existing store was made differently (encoder, weights, preprocessing, dataset, spec).
    case mismatch(store: String, field: String, detail: String)
    /// A feature was asked for that the store does not hold.
    case unknownFeature(name: String, available: [String])
    /// A post could not be encoded and the policy says fail.
    case badPost(id: String, reason: String)
    /// Nothing could be extracted.
    case empty(String)

    public var description: String {
        switch self {
        case let .missingFile(path, fix):
            return "\(path): missing; \(fix)"
        case let .corrupt(path, detail):
            return "\(path): \(detail); delete the store directory and extract again"
        case let .mismatch(store, field, detail):
            return "\(store) was extracted with a different \(field): \(detail); extract into a new --out directory "
                + "(a store never mixes features made differently)"
        case let .unknownFeature(name, available):
            return "the feature store has no '\(name)' (it has: \(available.joined(separator: ", "))); "
                + "extract with --for naming the model that needs it"
        case let .badPost(id, reason):
            return "post \(id): \(reason)"
        case let .empty(detail):
            return "nothing to extract: \(detail)"
        }
    }
}
