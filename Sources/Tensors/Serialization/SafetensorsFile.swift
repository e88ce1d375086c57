import Foundation

/// A safetensors file, memory-mapped.
///
/// Layout: an 8-byte little-endian header length `n`, `n` bytes of UTF-8 JSON mapping each
/// tensor name to `{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}` (offsets
/// relative to the data section) plus an optional `"__metadata__"` object of strings, then
/// the data section. Opening validates the whole header (dtypes, shapes, offsets that tile
/// the data section exactly, byte counts); reading a tensor converts it to Float32.
///
/// ```swift
/// let file = try SafetensorsFile(contentsOf: url)
/// let weight = try file.tensor("encoder.layer.0.attention.self.query.weight")
/// ```
public struct SafetensorsFile: @unchecked Sendable {
    /// One tensor's header entry, validated.
    struct Entry {
        var dtype: SafetensorsDType
        var shape: [Int]
        /// Byte range within the data section.
        var begin: Int
        var end: Int
    }

    /// The mapped file.
    let mapping: MemoryMappedFile
    /// Where the data section starts in the file.
    let dataStart: Int
    let entries: [String: Entry]

    /// The file's path, as given.
    public let path: String
    /// Tensor names, sorted.
    public let names: [String]
    /// The `"__metadata__"` strings (empty when absent).
    public let metadata: [String: String]

    /// The largest header accepted (as the reference implementation).
    static let maximumHeaderLength = 100_000_000

    /// Maps the file at `url` and validates its header fully.
    /// - Throws: `SafetensorsError` naming the file, the tensor and the problem.
    public init(contentsOf url: URL) throws {
        let path = url.path
        self.path = path
        do {
            mapping = try MemoryMappedFile(path: path)
        } catch {
            throw SafetensorsError.fileAccess(file: path, reason: error.reason)
        }
        let bytes = mapping.bytes
        guard bytes.count >= 8, let base = bytes.baseAddress else {
            throw SafetensorsError.fileTooShort(file: path, byteCount: bytes.count)
        }
        let headerLength = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(Self.maximumHeaderLength), Int(headerLength) <= bytes.count - 8 else {
            throw SafetensorsError.headerLengthBeyondFile(file: path, headerLength: headerLength, fileSize: bytes.count - 8)
        }
        dataStart = 8 + Int(headerLength)
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart])
        let parsed = try Self.parseHeader(headerBytes, dataLength: bytes.count - dataStart, path: path)
        entries = parsed.entries
        metadata = parsed.metadata
        names = parsed.entries.keys.sorted()
    }

    /// The shape of tensor `name`, or nil when the file has no such tensor.
    public func shape(of name: String) -> [Int]? { entries[name]?.shape }

    /// The stored element type of tensor `name`, or nil when the file has no such tensor.
    public func dtype(of name: String) -> SafetensorsDType? { entries[name]?.dtype }

    /// Tensor `name` converted to Float32 (a copy; the file can be closed afterwards).
    /// - Throws: `SafetensorsError.tensorNotFound` when the file has no such tensor.
    public func tensor(_ name: String) throws -> Tensor {
        guard let entry = entries[name] else {
            throw SafetensorsError.tensorNotFound(file: path, tensor: name, available: entries.count)
        }
        guard let base = mapping.bytes.baseAddress else {
            // Only a file of zero-sized tensors can get here, and those hold no bytes.
            return Tensor.zeros(entry.shape)
        }
        let source = base + dataStart + entry.begin
        let count = entry.shape.reduce(1, *)
        return Tensor(shape: entry.shape) { buffer in
            if let destination = buffer.baseAddress {
                decodeElements(entry.dtype, from: source, count: count, into: destination)
            }
        }
    }

    /// Every tensor, keyed by name.
    public func tensors() throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        result.reserveCapacity(names.count)
        for name in names { result[name] = try tensor(name) }
        return result
    }
}

extension SafetensorsFile {
    /// Validates the header and returns its entries and metadata.
    static func parseHeader(_ header: UnsafeRawBufferPointer, dataLength: Int, path: String) throws
        -> (entries: [String: Entry], metadata: [String: String])
    {
        guard isValidUTF8(header) else { throw SafetensorsError.headerNotUTF8(file: path) }
        let json: HeaderJSON
        do {
            json = try HeaderJSON.parse(Array(header))
        } catch {
            throw SafetensorsError.headerNotJSON(file: path, detail: error.description)
        }
        guard case let .object(members) = json else {
            throw SafetensorsError.headerNotJSON(file: path, detail: "the top level is a \(json.kindName), not an object")
        }
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        var sawMetadata = false
        for (name, value) in members {
            if name == "__metadata__" {
                guard !sawMetadata else { throw SafetensorsError.duplicateName(file: path, tensor: name) }
                sawMetadata = true
                guard case let .object(pairs) = value else {
                    throw SafetensorsError.invalidMetadata(file: path, detail: "is a \(value.kindName)")
                }
                for (key, item) in pairs {
                    guard case let .string(text) = item else {
                        throw SafetensorsError.invalidMetadata(file: path, detail: "key '\(key)' holds a \(item.kindName)")
                    }
                    guard metadata[key] == nil else {
                        throw SafetensorsError.invalidMetadata(file: path, detail: "repeats key '\(key)'")
                    }
                    metadata[key] = text
                }
                continue
            }
            guard entries[name] == nil else { throw SafetensorsError.duplicateName(file: path, tensor: name) }
            entries[name] = try parseEntry(value, name: name, path: path)
        }
        try validateLayout(entries, dataLength: dataLength, path: path)
        return (entries, metadata)
    }

    private static func parseEntry(_ value: HeaderJSON, name: String, path: String) throws -> Entry {
        guard case let .object(fields) = value else {
            throw SafetensorsError.invalidEntry(file: path, tensor: name, detail: "the entry is a \(value.kindName), not an object")
        }
        var dtypeValue: HeaderJSON?
        var shapeValue: HeaderJSON?
        var offsetsValue: HeaderJSON?
        for (key, field) in fields {
            switch key {
            case "dtype", "shape", "data_offsets":
                let seen = key == "dtype" ? dtypeValue : key == "shape" ? shapeValue : offsetsValue
                guard seen == nil else {
                    throw SafetensorsError.invalidEntry(file: path, tensor: name, detail: "field \"\(key)\" appears twice")
                }
                if key == "dtype" { dtypeValue = field } else if key == "shape" { shapeValue = field } else { offsetsValue = field }
            default:
                continue  // Extra fields are ignored, as by the reference implementation.
            }
        }
        guard let dtypeValue, let shapeValue, let offsetsValue else {
            let missing = [("dtype", dtypeValue), ("shape", shapeValue), ("data_offsets", offsetsValue)]
                .filter { $0.1 == nil }.map { "\"\($0.0)\"" }.joined(separator: ", ")
            throw SafetensorsError.invalidEntry(file: path, tensor: name, detail: "missing \(missing)")
        }
        guard case let .string(dtypeName) = dtypeValue else {
            throw SafetensorsError.invalidEntry(file: path, tensor: name, detail: "\"dtype\" is a \(dtypeValue.kindName), not a string")
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw SafetensorsError.unknownDType(file: path, tensor: name, dtype: dtypeName)
        }
        guard case let .array(extents) = shapeValue else {
            throw SafetensorsError.invalidShape(file: path, tensor: name, detail: "\"shape\" is a \(shapeValue.kindName), not a list")
        }
        var shape: [Int] = []
        var elementCount = 1
        for extent in extents {
            guard let size = extent.integerValue else {
                throw SafetensorsError.invalidShape(file: path, tensor: name, detail: "extent \(extent.kindName) is not an integer")
            }
            guard size >= 0 else {
                throw SafetensorsError.invalidShape(file: path, tensor: name, detail: "extent \(size) is negative")
            }
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw SafetensorsError.invalidShape(file: path, tensor: name, detail: "the element count overflows")
            }
            elementCount = product
            shape.append(size)
        }
        guard case let .array(offsets) = offsetsValue, offsets.count == 2 else {
            throw SafetensorsError.invalidOffsets(file: path, tensor: name, detail: "expected a list of two integers [begin, end]")
        }
        guard let begin = offsets[0].integerValue, let end = offsets[1].integerValue, begin >= 0, end >= 0 else {
            throw SafetensorsError.invalidOffsets(file: path, tensor: name,
                                                  detail: "[\(offsets[0].kindName), \(offsets[1].kindName)] are not non-negative integers")
        }
        guard begin <= end else {
            throw SafetensorsError.invalidOffsets(file: path, tensor: name, detail: "begin \(begin) is after end \(end)")
        }
        let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, byteCount == end - begin else {
            throw SafetensorsError.byteCountMismatch(file: path, tensor: name, expected: overflow ? Int.max : byteCount,
                                                     actual: end - begin)
        }
        return Entry(dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// Checks that the tensors' byte ranges, in order, tile the data section exactly:
    /// no overlap, no gap, nothing past the end, nothing left over.
    private static func validateLayout(_ entries: [String: Entry], dataLength: Int, path: String) throws {
        let ordered = entries.sorted { ($0.value.begin, $0.value.end, $0.key) < ($1.value.begin, $1.value.end, $1.key) }
        var expectedBegin = 0
        var previousName: String?
        for (name, entry) in ordered {
            if entry.begin < expectedBegin {
                throw SafetensorsError.invalidOffsets(
                    file: path, tensor: name,
                    detail: "[\(entry.begin), \(entry.end)] overlaps '\(previousName ?? "")', which ends at \(expectedBegin)")
            }
            if entry.begin > expectedBegin {
                throw SafetensorsError.invalidOffsets(
                    file: path, tensor: name,
                    detail: "[\(entry.begin), \(entry.end)] leaves a gap after byte \(expectedBegin) of the data section")
            }
            if entry.end > dataLength {
                throw SafetensorsError.invalidOffsets(
                    file: path, tensor: name,
                    detail: "[\(entry.begin), \(entry.end)] runs past the data section, which has \(dataLength) bytes")
            }
            expectedBegin = entry.end
            previousName = name
        }
        if expectedBegin != dataLength {
            throw SafetensorsError.invalidOffsets(
                file: path, tensor: previousName ?? "(none)",
                detail: "the tensors cover \(expectedBegin) bytes but the data section has \(dataLength) bytes")
        }
    }
}

/// Whether `bytes` are well-formed UTF-8.
func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue: continue
        case .emptyInput: return true
        case .error: return false
        }
    }
}
