import Foundation

/// A read-only path into a set of named tensors, used by layers' loading initialisers so
/// model code spells the checkpoint's own keys (the idea of candle's `VarBuilder`):
///
/// ```swift
/// let weights = WeightScope(tensors)                       // e.g. from model.safetensors
/// let query = try Linear(weights: weights.scoped("encoder").scoped("layer").scoped(3)
///                            .scoped("attention.self.query"), inputSize: 768, outputSize: 768)
/// try weights.verifyAllUsed(allowing: ["*.position_ids"])
/// ```
///
/// Scopes are values; every scope derived from one root shares the root's record of used
/// keys, so `verifyAllUsed` on any of them reports keys that no layer read.
public struct WeightScope: Sendable {
    /// The dotted path of this scope ("" at the root).
    public let prefix: String
    private let source: WeightSource

    /// A scope over a dictionary of tensors keyed by dotted names.
    public init(_ tensors: [String: Tensor]) {
        self.init(keys: Array(tensors.keys)) { tensors[$0] }
    }

    /// A scope over tensors produced on demand. `keys` lists every key `load` can
    /// answer; `load` returns nil for an absent key. Returned tensors are copied, so `load`
    /// may hand out tensors it keeps.
    public init(keys: [String], load: @escaping (String) throws -> Tensor?) {
        self.prefix = ""
        self.source = WeightSource(keys: keys, copies: true, load: load)
    }

    /// A scope over the tensors of a safetensors file, each read (and converted to
    /// Float32) when a layer asks for it.
    public init(_ file: SafetensorsFile) {
        self.prefix = ""
        let names = Set(file.names)
        self.source = WeightSource(keys: file.names, copies: false) { key in
            names.contains(key) ? try file.tensor(key) : nil
        }
    }

    private init(prefix: String, source: WeightSource) {
        self.prefix = prefix
        self.source = source
    }

    /// The scope one level down: `scoped("encoder").scoped("layer")` reads `encoder.layer.*`.
    /// `name` may itself contain dots.
    public func scoped(_ name: String) -> WeightScope {
        WeightScope(prefix: key(name), source: source)
    }

    /// The scope for entry `index` of a list (`layer.3`).
    public func scoped(_ index: Int) -> WeightScope { scoped(String(index)) }

    /// The full dotted key of `name` in this scope.
    public func key(_ name: String) -> String { prefix.isEmpty ? name : prefix + "." + name }

    /// Whether `name` exists in this scope.
    public func contains(_ name: String) -> Bool { source.keySet.contains(key(name)) }

    /// Every key of the source under this scope, relative to it, sorted.
    public var keys: [String] {
        let start = prefix.isEmpty ? "" : prefix + "."
        return source.keys.filter { $0.hasPrefix(start) }.map { String($0.dropFirst(start.count)) }.sorted()
    }

    /// The tensor `name` in this scope, checked against `shape`, as a fresh trainable leaf
    /// (`requiresGrad = true`) with its own storage. Marks the key as used.
    /// - Throws: `WeightLoadingError.missingKey` (with the closest existing keys) or
    ///   `WeightLoadingError.shapeMismatch` (with both shapes), each naming the full key.
    public func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        var result = try tensor(name)
        guard result.shape == shape else {
            throw WeightLoadingError.shapeMismatch(key: key(name), expected: shape, found: result.shape)
        }
        result.requiresGrad = true
        return result
    }

    /// A non-trainable tensor (a buffer such as `running_mean`) checked against `shape`,
    /// with its own storage. Marks the key as used.
    /// - Throws: `WeightLoadingError.missingKey` or `.shapeMismatch`, naming the full key.
    public func buffer(_ name: String, shape: [Int]) throws -> Tensor {
        let result = try tensor(name)
        guard result.shape == shape else {
            throw WeightLoadingError.shapeMismatch(key: key(name), expected: shape, found: result.shape)
        }
        return result
    }

    /// The tensor `name` in this scope, whatever its shape, detached, with its own storage.
    /// Marks the key as used.
    /// - Throws: `WeightLoadingError.missingKey` with the closest existing keys.
    public func tensor(_ name: String) throws -> Tensor {
        let fullKey = key(name)
        guard let found = try source.load(fullKey) else {
            throw WeightLoadingError.missingKey(key: fullKey, closest: source.closestKeys(to: fullKey))
        }
        source.markUsed(fullKey)
        return source.copies ? found.copy() : found.detached()
    }

    /// Checks that every key of the source was read, apart from keys matching one of
    /// `patterns` (`*` matches any run of characters: `"*.position_ids"`, `"pooler.*"`).
    /// - Throws: `WeightLoadingError.unusedKeys` listing the keys no layer read.
    public func verifyAllUsed(allowing patterns: [String] = []) throws {
        let unused = source.unusedKeys().filter { key in !patterns.contains { globMatches($0, key) } }
        if !unused.isEmpty { throw WeightLoadingError.unusedKeys(unused) }
    }
}

/// A shape disagreement between a module's tensor and a loaded one.
public struct ShapeMismatch: Sendable, Equatable {
    /// The dotted key.
    public let key: String
    /// The shape the module expects.
    public let expected: [Int]
    /// The shape that was given.
    public let found: [Int]
}

/// Why weights could not be loaded. Each case names the keys involved and says how to fix it.
public enum WeightLoadingError: Error, Equatable, CustomStringConvertible {
    /// `key` is absent; `closest` lists the most similar keys that exist.
    case missingKey(key: String, closest: [String])
    /// `key` exists with another shape.
    case shapeMismatch(key: String, expected: [Int], found: [Int])
    /// Keys of the source that no layer read.
    case unusedKeys([String])
    /// `loadStateDict` found keys missing, unexpected or mis-shaped.
    case stateDictMismatch(missing: [String], unexpected: [String], shapeMismatches: [ShapeMismatch])

    public var description: String {
        switch self {
        case let .missingKey(key, closest):
            let hint = closest.isEmpty ? "the weights hold no keys" : "closest keys: " + closest.joined(separator: ", ")
            return "missing weight '\(key)' (\(hint)); check the checkpoint matches the model and its config"
        case let .shapeMismatch(key, expected, found):
            return "weight '\(key)' has shape \(found), the model expects \(expected); check the config matches the checkpoint"
        case let .unusedKeys(keys):
            return "\(keys.count) weight(s) not used by the model: \(keys.prefix(20).joined(separator: ", "))"
                + (keys.count > 20 ? ", …" : "")
                + "; check the checkpoint matches the model, or allow these keys explicitly"
        case let .stateDictMismatch(missing, unexpected, shapeMismatches):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing keys: " + missing.joined(separator: ", ")) }
            if !unexpected.isEmpty { parts.append("unexpected keys: " + unexpected.joined(separator: ", ")) }
            for mismatch in shapeMismatches {
                parts.append("'\(mismatch.key)' has shape \(mismatch.found), the model expects \(mismatch.expected)")
            }
            return "state dict does not match the model: " + parts.joined(separator: "; ")
        }
    }
}

/// The tensors behind a tree of scopes and the record of which keys were read.
private final class WeightSource: @unchecked Sendable {
    let keys: [String]
    let keySet: Set<String>
    /// Whether tensors from `loader` may be shared with others and must be copied.
    let copies: Bool
    private let loader: (String) throws -> Tensor?
    private var used = Set<String>()
    private let lock = NSLock()

    init(keys: [String], copies: Bool, load: @escaping (String) throws -> Tensor?) {
        self.keys = keys
        self.keySet = Set(keys)
        self.copies = copies
        self.loader = load
    }

    func load(_ key: String) throws -> Tensor? { try loader(key) }

    func markUsed(_ key: String) {
        lock.lock()
        used.insert(key)
        lock.unlock()
    }

    func unusedKeys() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return keys.filter { !used.contains($0) }.sorted()
    }

    /// Up to three existing keys nearest to `key` by edit distance.
    func closestKeys(to key: String) -> [String] {
        let target = Array(key.utf8)
        let scored: [(key: String, distance: Int)] = keys.map { ($0, editDistance(Array($0.utf8), target)) }
        let ranked = scored.sorted { lhs, rhs in
            lhs.distance != rhs.distance ? lhs.distance < rhs.distance : lhs.key < rhs.key
        }
        return ranked.prefix(3).map(\.key)
    }
}

/// Levenshtein distance between two byte strings.
func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost: Int = a[i - 1] == b[j - 1] ? 0 : 1
            let substitution: Int = previous[j - 1] + cost
            let deletion: Int = previous[j] + 1
            let insertion: Int = current[j - 1] + 1
            current[j] = Swift.min(substitution, Swift.min(deletion, insertion))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters.
func globMatches(_ pattern: String, _ text: String) -> Bool {
    let p = Array(pattern.utf8), t = Array(text.utf8)
    var pi = 0, ti = 0, starP = -1, starT = 0
    while ti < t.count {
        if pi < p.count && p[pi] == UInt8(ascii: "*") {
            starP = pi; starT = ti; pi += 1
        } else if pi < p.count && p[pi] == t[ti] {
            pi += 1; ti += 1
        } else if starP >= 0 {
            pi = starP + 1; starT += 1; ti = starT
        } else {
            return false
        }
    }
    while pi < p.count && p[pi] == UInt8(ascii: "*") { pi += 1 }
    return pi == p.count
}
