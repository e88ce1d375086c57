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

/// Every list and dict one load creates. Emptying them all at the end releases the
/// values one level at a time, so neither deep nesting nor reference cycles built by a
/// hostile pickle make the release recurse deeply or leak.
final class PickleArena {
    private var lists: [PickleList] = []
    private var dictionaries: [PickleDictionary] = []

    func makeList(_ items: [PickleValue] = []) -> PickleList {
        let list = PickleList(items)
        lists.append(list)
        return list
    }

    func makeDictionary() -> PickleDictionary {
        let dictionary = PickleDictionary()
        dictionaries.append(dictionary)
        return dictionary
    }

    /// Empties every container. Values read before stay valid only if they hold no list or dict.
    func clear() {
        for list in lists { list.items.removeAll() }
        for dictionary in dictionaries { dictionary.removeAll() }
        lists.removeAll()
        dictionaries.removeAll()
    }
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

    /// Removes every entry.
    func removeAll() {
        entries.removeAll()
        stringKeyPositions.removeAll()
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
    /// A tuple and how deeply tuples nest in it (1 for a tuple of non-tuples).
    case tuple([PickleValue], depth: Int)
    case list(PickleList)
    case dictionary(PickleDictionary)
    /// An allow-listed global (a class or function), by its dotted name.
    case global(String)
    case storage(TorchStorageReference)
    case tensor(TorchTensorReference)

    /// The deepest tuple nesting accepted. Tuples in checkpoints nest two or three deep;
    /// the bound keeps a hostile chain of TUPLE1 opcodes from building a value whose
    /// release would recurse deeply.
    static let maximumTupleDepth = 100

    /// How deeply tuples nest in this value (0 for anything but a tuple).
    var tupleDepth: Int {
        if case let .tuple(_, depth) = self { return depth }
        return 0
    }

    /// The items of a tuple, or nil for any other value.
    var tupleItems: [PickleValue]? {
        if case let .tuple(items, _) = self { return items }
        return nil
    }

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
