// The values a restricted unpickle of a PyTorch checkpoint can produce. Only data is
// represented: no Python object is ever constructed or called.

/// A storage a tensor views: its key in the checkpoint, element type and size.
struct TorchStorageReference: Equatable {
    /// The stored storage's key (`archive/data/<key>`, or the legacy storage key).
    var key: String
    var dtype: SafetensorsDType
    /// Elements in the stored storage.
    var storedElementCount: Int
    /// The part of the stored storage this reference sees (all of it, except for the
    /// storage views of old legacy checkpoints).
    var elementOffset: Int
    var elementCount: Int
}

/// A tensor as the pickle describes it: a strided view of a storage.
struct TorchTensorReference: Equatable {
    var storage: TorchStorageReference
    var storageOffset: Int
    var shape: [Int]
    var strides: [Int]
}

/// A mutable, ordered list shared by every reference to it (pickle memo entries alias).
final class PickleList {
    var items: [PickleValue]
    init(_ items: [PickleValue] = []) { self.items = items }
}

/// A mutable, insertion-ordered dictionary shared by every reference to it.
final class PickleDictionary {
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var stringKeyPositions: [String: Int] = [:]

    /// Sets `value` for `key`, replacing an earlier value of an equal string or integer key.
    func set(_ key: PickleValue, _ value: PickleValue) {
        let lookup: String?
        switch key {
        case let .string(text): lookup = "s" + text
        case let .integer(number): lookup = "i\(number)"
        default: lookup = nil
        }
        if let lookup, let position = stringKeyPositions[lookup] {
            entries[position].value = value
            return
        }
        if let lookup { stringKeyPositions[lookup] = entries.count }
        entries.append((key: key, value: value))
    }

    /// The value for string key `key`.
    func value(forKey key: String) -> PickleValue? {
        guard let position = stringKeyPositions["s" + key] else { return nil }
        return entries[position].value
    }
}

/// One unpickled value.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case integer(Int)
    /// An integer too wide for `Int`, as little-endian two's-complement bytes.
    case wideInteger([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dictionary(PickleDictionary)
    /// An allow-listed global (a class or function), by its dotted name.
    case global(String)
    case storage(TorchStorageReference)
    case tensor(TorchTensorReference)

    /// A short name of the kind of value, for error messages.
    var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .integer, .wideInteger: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dictionary: return "dict"
        case let .global(name): return name
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }
}
