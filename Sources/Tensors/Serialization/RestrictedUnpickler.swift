// A restricted reader of Python pickles as torch.save writes them (protocol 2, and the
// protocol-4/5 opcodes newer writers use). It builds `PickleValue` data only: GLOBAL and
// STACK_GLOBAL accept an allow-list of tensor-rebuilding functions, storage types and
// OrderedDict, and reject every other global before anything could run. REDUCE applies
// only the allow-listed functions, interpreted here.

/// Reads one pickle from `bytes` starting at `start`.
struct RestrictedUnpickler {
    /// Storage classes in persistent ids, by dotted name.
    static let storageTypes: [String: SafetensorsDType] = [
        "torch.FloatStorage": .f32, "torch.DoubleStorage": .f64, "torch.HalfStorage": .f16,
        "torch.BFloat16Storage": .bf16, "torch.LongStorage": .i64, "torch.IntStorage": .i32,
        "torch.ShortStorage": .i16, "torch.CharStorage": .i8, "torch.ByteStorage": .u8,
        "torch.BoolStorage": .bool,
    ]

    /// Functions and classes the pickle may name besides the storage types.
    static let allowedCallables: Set<String> = [
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
    ]

    let bytes: UnsafeRawBufferPointer
    let path: String
    /// Owns the lists and dicts this pickle creates; the caller clears it when done.
    let arena: PickleArena
    private(set) var position: Int
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// Every storage a persistent id named, by key.
    private(set) var storages: [String: TorchStorageReference] = [:]

    init(bytes: UnsafeRawBufferPointer, start: Int = 0, path: String, arena: PickleArena) {
        self.bytes = bytes
        self.path = path
        self.arena = arena
        self.position = start
    }

    // MARK: reading bytes

    private func truncated(_ what: String) -> PyTorchCheckpointError {
        .truncated(file: path, detail: "the pickle ends inside \(what) at byte \(position)")
    }

    private func invalid(_ detail: String) -> PyTorchCheckpointError {
        .invalidPickle(file: path, detail: detail)
    }

    private mutating func readBytes(_ count: Int, _ what: String) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - position else { throw truncated(what) }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
        position += count
        return slice
    }

    private mutating func readByte(_ what: String) throws -> UInt8 {
        guard position < bytes.count else { throw truncated(what) }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func readUnsigned(_ width: Int, _ what: String) throws -> UInt64 {
        let raw = try readBytes(width, what)
        var value: UInt64 = 0
        for (index, byte) in raw.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        return value
    }

    /// A length prefix of `width` bytes, checked against the bytes left.
    private mutating func readLength(_ width: Int, _ what: String) throws -> Int {
        let length = try readUnsigned(width, what)
        guard length <= UInt64(bytes.count - position) else { throw truncated(what) }
        return Int(length)
    }

    private mutating func readLine(_ what: String) throws -> String {
        var end = position
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        guard end < bytes.count else { throw truncated(what) }
        let line = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
        position = end + 1
        return line
    }

    private func utf8String(_ raw: UnsafeRawBufferPointer, _ what: String) throws -> String {
        guard isValidUTF8(raw) else { throw invalid("\(what) is not valid UTF-8") }
        return String(decoding: raw, as: UTF8.self)
    }

    // MARK: the stack

    private mutating func pop(_ what: String) throws -> PickleValue {
        guard stack.count > (marks.last ?? 0), let value = stack.popLast() else {
            throw invalid("\(what) needs a value but the stack is empty")
        }
        return value
    }

    private mutating func popToMark(_ what: String) throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw invalid("\(what) without a preceding MARK") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private mutating func top(_ what: String) throws -> PickleValue {
        guard let value = stack.last, stack.count > (marks.last ?? 0) else {
            throw invalid("\(what) needs a value but the stack is empty")
        }
        return value
    }

    /// A tuple of `items`, within the nesting bound.
    private func tuple(_ items: [PickleValue]) throws -> PickleValue {
        let depth = 1 + (items.map(\.tupleDepth).max() ?? 0)
        guard depth <= PickleValue.maximumTupleDepth else {
            throw invalid("tuples nested more than \(PickleValue.maximumTupleDepth) deep")
        }
        return .tuple(items, depth: depth)
    }

    // MARK: running

    /// Runs the pickle to its STOP opcode and returns the result.
    mutating func load() throws -> PickleValue {
        while true {
            let opcodeOffset = position
            let opcode = try readByte("an opcode")
            switch opcode {
            case 0x80:  // PROTO
                let version = try readByte("PROTO")
                guard version <= 5 else { throw invalid("pickle protocol \(version) is newer than 5") }
            case 0x95:  // FRAME: a length hint only
                _ = try readBytes(8, "FRAME")
            case 0x2E:  // STOP
                let result = try pop("STOP")
                guard stack.isEmpty, marks.isEmpty else { throw invalid("values left on the stack at STOP") }
                return result
            case 0x28:  // MARK
                marks.append(stack.count)
            case 0x7D: stack.append(.dictionary(arena.makeDictionary()))  // EMPTY_DICT
            case 0x5D: stack.append(.list(arena.makeList()))  // EMPTY_LIST
            case 0x29: stack.append(try tuple([]))  // EMPTY_TUPLE
            case 0x4E: stack.append(.none)  // NONE
            case 0x88: stack.append(.bool(true))  // NEWTRUE
            case 0x89: stack.append(.bool(false))  // NEWFALSE
            case 0x64:  // DICT
                let items = try popToMark("DICT")
                let dictionary = arena.makeDictionary()
                try Self.fill(dictionary, from: items) { self.invalid($0) }
                stack.append(.dictionary(dictionary))
            case 0x6C:  // LIST
                stack.append(.list(arena.makeList(try popToMark("LIST"))))
            case 0x74:  // TUPLE
                stack.append(try tuple(try popToMark("TUPLE")))
            case 0x85:  // TUPLE1
                let a = try pop("TUPLE1")
                stack.append(try tuple([a]))
            case 0x86:  // TUPLE2
                let b = try pop("TUPLE2"), a = try pop("TUPLE2")
                stack.append(try tuple([a, b]))
            case 0x87:  // TUPLE3
                let c = try pop("TUPLE3"), b = try pop("TUPLE3"), a = try pop("TUPLE3")
                stack.append(try tuple([a, b, c]))
            case 0x58:  // BINUNICODE
                let length = try readLength(4, "BINUNICODE")
                stack.append(.string(try utf8String(try readBytes(length, "BINUNICODE"), "a BINUNICODE string")))
            case 0x8C:  // SHORT_BINUNICODE
                let length = try readLength(1, "SHORT_BINUNICODE")
                stack.append(.string(try utf8String(try readBytes(length, "SHORT_BINUNICODE"), "a SHORT_BINUNICODE string")))
            case 0x8D:  // BINUNICODE8
                let length = try readLength(8, "BINUNICODE8")
                stack.append(.string(try utf8String(try readBytes(length, "BINUNICODE8"), "a BINUNICODE8 string")))
            case 0x55, 0x54:  // SHORT_BINSTRING, BINSTRING (Python 2 str): read as Latin-1
                let length = try readLength(opcode == 0x55 ? 1 : 4, "BINSTRING")
                let raw = try readBytes(length, "BINSTRING")
                stack.append(.string(String(raw.map { Character(Unicode.Scalar($0)) })))
            case 0x43, 0x42, 0x8E:  // SHORT_BINBYTES, BINBYTES, BINBYTES8
                let length = try readLength(opcode == 0x43 ? 1 : opcode == 0x42 ? 4 : 8, "BINBYTES")
                stack.append(.bytes(Array(try readBytes(length, "BINBYTES"))))
            case 0x4B:  // BININT1
                stack.append(.integer(Int(try readByte("BININT1"))))
            case 0x4D:  // BININT2
                stack.append(.integer(Int(try readUnsigned(2, "BININT2"))))
            case 0x4A:  // BININT
                stack.append(.integer(Int(Int32(truncatingIfNeeded: try readUnsigned(4, "BININT")))))
            case 0x8A, 0x8B:  // LONG1, LONG4
                let length = try readLength(opcode == 0x8A ? 1 : 4, "LONG")
                stack.append(Self.integer(fromLittleEndian: Array(try readBytes(length, "LONG"))))
            case 0x47:  // BINFLOAT (big-endian)
                let raw = try readBytes(8, "BINFLOAT")
                var bits: UInt64 = 0
                for byte in raw { bits = (bits << 8) | UInt64(byte) }
                stack.append(.float(Double(bitPattern: bits)))
            case 0x73:  // SETITEM
                let value = try pop("SETITEM"), key = try pop("SETITEM")
                guard case let .dictionary(dictionary) = try top("SETITEM") else { throw invalid("SETITEM on a non-dict") }
                dictionary.set(key, value)
            case 0x75:  // SETITEMS
                let items = try popToMark("SETITEMS")
                guard case let .dictionary(dictionary) = try top("SETITEMS") else { throw invalid("SETITEMS on a non-dict") }
                try Self.fill(dictionary, from: items) { self.invalid($0) }
            case 0x61:  // APPEND
                let value = try pop("APPEND")
                guard case let .list(list) = try top("APPEND") else { throw invalid("APPEND on a non-list") }
                list.items.append(value)
            case 0x65:  // APPENDS
                let items = try popToMark("APPENDS")
                guard case let .list(list) = try top("APPENDS") else { throw invalid("APPENDS on a non-list") }
                list.items.append(contentsOf: items)
            case 0x71:  // BINPUT
                memo[Int(try readByte("BINPUT"))] = try top("BINPUT")
            case 0x72:  // LONG_BINPUT
                memo[Int(try readUnsigned(4, "LONG_BINPUT"))] = try top("LONG_BINPUT")
            case 0x94:  // MEMOIZE
                memo[memo.count] = try top("MEMOIZE")
            case 0x68, 0x6A:  // BINGET, LONG_BINGET
                let key = opcode == 0x68 ? Int(try readByte("BINGET")) : Int(try readUnsigned(4, "LONG_BINGET"))
                guard let value = memo[key] else { throw invalid("memo key \(key) read before it was written") }
                stack.append(value)
            case 0x30:  // POP
                _ = try pop("POP")
            case 0x31:  // POP_MARK
                _ = try popToMark("POP_MARK")
            case 0x32:  // DUP
                stack.append(try top("DUP"))
            case 0x63:  // GLOBAL
                let module = try readLine("GLOBAL")
                let name = try readLine("GLOBAL")
                stack.append(try global(module: module, name: name))
            case 0x93:  // STACK_GLOBAL
                let name = try pop("STACK_GLOBAL"), module = try pop("STACK_GLOBAL")
                guard case let .string(moduleName) = module, case let .string(globalName) = name else {
                    throw invalid("STACK_GLOBAL needs two strings")
                }
                stack.append(try global(module: moduleName, name: globalName))
            case 0x51:  // BINPERSID
                stack.append(try persistentLoad(try pop("BINPERSID")))
            case 0x52:  // REDUCE
                let arguments = try pop("REDUCE"), callable = try pop("REDUCE")
                stack.append(try reduce(callable, arguments))
            case 0x62:  // BUILD
                let state = try pop("BUILD")
                let object = try top("BUILD")
                switch object {
                case .dictionary, .tensor:
                    // An OrderedDict's attributes (a state dict's `_metadata`) or a
                    // parameter's Python state: not needed for the weights.
                    _ = state
                default:
                    throw invalid("BUILD on a \(object.kindName)")
                }
            default:
                throw PyTorchCheckpointError.unsupportedOpcode(file: path, opcode: opcode, offset: opcodeOffset)
            }
        }
    }

    private static func fill(_ dictionary: PickleDictionary, from items: [PickleValue],
                             invalid: (String) -> PyTorchCheckpointError) throws {
        guard items.count % 2 == 0 else { throw invalid("an odd number of items for a dict") }
        var index = 0
        while index < items.count {
            dictionary.set(items[index], items[index + 1])
            index += 2
        }
    }

    /// A little-endian two's-complement integer of any width.
    static func integer(fromLittleEndian raw: [UInt8]) -> PickleValue {
        if raw.isEmpty { return .integer(0) }
        if raw.count > 8 {
            // Wider than Int unless every extra byte is sign extension.
            let negative = (raw[raw.count - 1] & 0x80) != 0
            let fill: UInt8 = negative ? 0xFF : 0x00
            let extraIsSign = raw[8...].allSatisfy { $0 == fill } && ((raw[7] & 0x80) != 0) == negative
            guard extraIsSign else { return .wideInteger(raw) }
            return integer(fromLittleEndian: Array(raw[0..<8]))
        }
        var bits: UInt64 = 0
        for (index, byte) in raw.enumerated() { bits |= UInt64(byte) << (8 * UInt64(index)) }
        if (raw[raw.count - 1] & 0x80) != 0, raw.count < 8 {
            bits |= ~UInt64(0) << (8 * UInt64(raw.count))  // sign-extend
        }
        return .integer(Int(Int64(bitPattern: bits)))
    }

    // MARK: globals, persistent ids, calls

    private func global(module: String, name: String) throws -> PickleValue {
        let dotted = module + "." + name
        guard Self.allowedCallables.contains(dotted) || Self.storageTypes[dotted] != nil else {
            throw PyTorchCheckpointError.disallowedGlobal(file: path, global: dotted)
        }
        return .global(dotted)
    }

    /// A storage from a persistent id: `("storage", StorageType, key, location, numel)`, and
    /// in legacy checkpoints a sixth item, `None` or the view `(view_key, offset, size)`.
    private mutating func persistentLoad(_ identifier: PickleValue) throws -> PickleValue {
        guard let fields = identifier.tupleItems, fields.count == 5 || fields.count == 6,
              case .string("storage") = fields[0] else {
            throw invalid("a persistent id that is not a storage reference")
        }
        guard case let .global(typeName) = fields[1], let dtype = Self.storageTypes[typeName] else {
            throw invalid("a storage of unsupported type \(fields[1].kindName)")
        }
        let key: String
        switch fields[2] {
        case let .string(text): key = text
        case let .integer(number): key = String(number)
        default: throw invalid("a storage key of type \(fields[2].kindName)")
        }
        guard case let .integer(count) = fields[4], count >= 0 else {
            throw invalid("storage '\(key)' has an invalid element count")
        }
        if let known = storages[key], known.dtype != dtype || known.storedElementCount != count {
            throw invalid("storage '\(key)' is described twice with different types or sizes")
        }
        var reference = TorchStorageReference(key: key, dtype: dtype, storedElementCount: count, elementOffset: 0, elementCount: count)
        storages[key] = reference
        if fields.count == 6, let view = fields[5].tupleItems {
            guard view.count == 3, case let .integer(offset) = view[1], case let .integer(size) = view[2],
                  offset >= 0, size >= 0, offset <= count, size <= count - offset else {
                throw invalid("storage '\(key)' has an invalid view")
            }
            reference.elementOffset = offset
            reference.elementCount = size
        }
        return .storage(reference)
    }

    private func integers(_ value: PickleValue, _ what: String) throws -> [Int] {
        guard let items = value.tupleItems else { throw invalid("\(what) is a \(value.kindName), not a tuple") }
        return try items.map { item in
            guard case let .integer(number) = item else { throw invalid("\(what) holds a \(item.kindName)") }
            return number
        }
    }

    private func reduce(_ callable: PickleValue, _ arguments: PickleValue) throws -> PickleValue {
        guard case let .global(name) = callable else { throw invalid("REDUCE calls a \(callable.kindName)") }
        guard let arguments = arguments.tupleItems else { throw invalid("REDUCE arguments are a \(arguments.kindName)") }
        switch name {
        case "collections.OrderedDict":
            let dictionary = arena.makeDictionary()
            if let first = arguments.first {
                let pairs: [PickleValue]
                switch first {
                case let .list(list): pairs = list.items
                case let .tuple(items, _): pairs = items
                default: throw invalid("OrderedDict called with a \(first.kindName)")
                }
                for pair in pairs {
                    guard let keyValue = pair.tupleItems, keyValue.count == 2 else { throw invalid("OrderedDict item is not a pair") }
                    dictionary.set(keyValue[0], keyValue[1])
                }
            }
            return .dictionary(dictionary)
        case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2":
            guard arguments.count >= 4, case let .storage(storage) = arguments[0],
                  case let .integer(offset) = arguments[1] else {
                throw invalid("\(name) called with unexpected arguments")
            }
            let shape = try integers(arguments[2], "a tensor size")
            let strides = try integers(arguments[3], "a tensor stride")
            guard shape.count == strides.count else {
                throw invalid("a tensor with \(shape.count) sizes and \(strides.count) strides")
            }
            return .tensor(TorchTensorReference(storage: storage, storageOffset: offset, shape: shape, strides: strides))
        case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
            guard let data = arguments.first, case .tensor = data else { throw invalid("\(name) called without a tensor") }
            return data
        default:
            throw invalid("\(name) cannot be called")
        }
    }
}
