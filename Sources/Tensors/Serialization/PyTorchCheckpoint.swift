import Foundation

/// Reading PyTorch checkpoints (`torch.save` output: `.bin`, `.pt`, `.pth`) without Python.
///
/// Both formats are read:
/// - the zip format (torch >= 1.6): `<archive>/data.pkl` holds the pickled object and
///   `<archive>/data/<key>` each storage's raw little-endian bytes, stored uncompressed;
/// - the legacy format: the magic number `0x1950a86a20f9469cfc6c`, the protocol version
///   (1001) and a system-info pickle, then the object pickle, the list of storage keys,
///   and each storage's bytes after its 8-byte element count.
///
/// The pickle is read by a restricted unpickler that knows only tensors, parameters,
/// storages and (ordered) dicts; any other Python global is an error and is never run.
/// Tensors of every dtype become Float32; strided views and storage offsets are copied
/// into contiguous tensors.
///
/// ```swift
/// let weights = try PyTorchCheckpoint.load(URL(fileURLWithPath: "mobilenetv2.pt"))
/// ```
public enum PyTorchCheckpoint {
    /// Keys under which training scripts nest the state dict, tried in order when the
    /// top-level dict is not itself the state dict.
    public static let nestedStateDictKeys = ["state_dict", "model_state_dict", "model"]

    /// The legacy format's magic number, 0x1950a86a20f9469cfc6c, as little-endian bytes.
    static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    /// The state dict in the checkpoint at `url`, as name -> Float32 tensor.
    ///
    /// The state dict is the top-level dict when it holds tensors itself, else the dict
    /// under the first of `nestedStateDictKeys` that holds tensors (as in
    /// `{"epoch": 3, "state_dict": {...}}`). Entries that are not tensors are skipped.
    /// - Throws: `PyTorchCheckpointError` naming the file and the problem.
    public static func load(_ url: URL) throws -> [String: Tensor] {
        try loadWithStoredTypes(url).mapValues(\.tensor)
    }

    /// The state dict with each tensor's stored element type.
    static func loadWithStoredTypes(_ url: URL) throws -> [String: (tensor: Tensor, dtype: SafetensorsDType)] {
        let path = url.path
        let mapping: MemoryMappedFile
        do {
            mapping = try MemoryMappedFile(path: path)
        } catch {
            throw PyTorchCheckpointError.unreadable(file: path, reason: error.reason)
        }
        let bytes = mapping.bytes
        let arena = PickleArena()
        defer { arena.clear() }
        let (root, tensorBytes) = try ZipDirectory.looksLikeZip(bytes)
            ? readZip(bytes, path: path, arena: arena)
            : readLegacy(bytes, path: path, arena: arena)
        let stateDictionary = try findStateDictionary(root, path: path)
        var result: [String: (tensor: Tensor, dtype: SafetensorsDType)] = [:]
        for (key, value) in stateDictionary.entries {
            guard case let .string(name) = key, case let .tensor(reference) = value else { continue }
            guard let storageBytes = tensorBytes[reference.storage.key] else {
                throw PyTorchCheckpointError.invalidTensor(file: path, detail: "tensor '\(name)' refers to storage '\(reference.storage.key)', which the file lacks")
            }
            result[name] = (try materialize(reference, storageBytes: storageBytes, name: name, path: path), reference.storage.dtype)
        }
        return result
    }

    // MARK: formats

    /// Unpickles a zip-format checkpoint; returns the root value and each storage's bytes.
    static func readZip(_ bytes: UnsafeRawBufferPointer, path: String, arena: PickleArena) throws
        -> (PickleValue, [String: UnsafeRawBufferPointer])
    {
        let directory = try ZipDirectory(bytes: bytes, path: path)
        let pickles = directory.entries.keys.filter { name in
            let parts = name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl"
        }
        guard pickles.count == 1, let pickleName = pickles.first else {
            throw PyTorchCheckpointError.notACheckpoint(
                file: path, detail: pickles.isEmpty ? "a zip archive without <archive>/data.pkl" : "a zip archive with several data.pkl entries")
        }
        let prefix = String(pickleName.dropLast("data.pkl".count))
        func contents(_ entry: ZipEntry) throws -> UnsafeRawBufferPointer {
            guard entry.compressionMethod == 0 else {
                throw PyTorchCheckpointError.compressedEntry(file: path, entry: entry.name, method: entry.compressionMethod)
            }
            return UnsafeRawBufferPointer(rebasing: bytes[entry.dataOffset..<(entry.dataOffset + entry.compressedSize)])
        }
        if let byteOrder = directory.entries[prefix + "byteorder"] {
            let order = String(decoding: try contents(byteOrder), as: UTF8.self)
            guard order == "little" else { throw PyTorchCheckpointError.bigEndian(file: path) }
        }
        guard let pickleEntry = directory.entries[pickleName] else {
            throw PyTorchCheckpointError.notACheckpoint(file: path, detail: "a zip archive without <archive>/data.pkl")
        }
        var unpickler = RestrictedUnpickler(bytes: try contents(pickleEntry), path: path, arena: arena)
        let root = try unpickler.load()
        var storageBytes: [String: UnsafeRawBufferPointer] = [:]
        for (key, storage) in unpickler.storages {
            guard let entry = directory.entries[prefix + "data/" + key] else {
                throw PyTorchCheckpointError.invalidTensor(file: path, detail: "storage entry '\(prefix)data/\(key)' is missing from the archive")
            }
            let data = try contents(entry)
            let (needed, overflow) = storage.storedElementCount.multipliedReportingOverflow(by: storage.dtype.byteSize)
            guard !overflow, data.count >= needed else {
                throw PyTorchCheckpointError.invalidTensor(
                    file: path, detail: "storage '\(key)' has \(data.count) bytes but its \(storage.storedElementCount) "
                        + "\(storage.dtype.rawValue) elements need \(overflow ? Int.max : needed)")
            }
            storageBytes[key] = data
        }
        return (root, storageBytes)
    }

    /// Unpickles a legacy-format checkpoint; returns the root value and each storage's bytes.
    static func readLegacy(_ bytes: UnsafeRawBufferPointer, path: String, arena: PickleArena) throws
        -> (PickleValue, [String: UnsafeRawBufferPointer])
    {
        if bytes.count >= 262, Array(bytes[257..<262]) == Array("ustar".utf8) {
            throw PyTorchCheckpointError.notACheckpoint(
                file: path, detail: "the tar format of torch before 0.4 is not supported; load and re-save it with a current torch")
        }
        guard bytes.count >= 2, bytes[0] == 0x80 else {
            throw PyTorchCheckpointError.notACheckpoint(file: path, detail: "it is neither a zip archive nor a pickle")
        }
        var position = 0
        var magic = RestrictedUnpickler(bytes: bytes, start: position, path: path, arena: arena)
        let magicValue = try magic.load()
        position = magic.position
        guard case let .wideInteger(magicBytes) = magicValue, magicBytes == legacyMagic else {
            throw PyTorchCheckpointError.notACheckpoint(file: path, detail: "a pickle without torch's magic number")
        }
        var protocolReader = RestrictedUnpickler(bytes: bytes, start: position, path: path, arena: arena)
        let protocolVersion = try protocolReader.load()
        position = protocolReader.position
        guard case .integer(1001) = protocolVersion else {
            throw PyTorchCheckpointError.notACheckpoint(file: path, detail: "legacy protocol version \(protocolVersion) instead of 1001")
        }
        var systemInfoReader = RestrictedUnpickler(bytes: bytes, start: position, path: path, arena: arena)
        let systemInfo = try systemInfoReader.load()
        position = systemInfoReader.position
        if case let .dictionary(info) = systemInfo, case .bool(false) = info.value(forKey: "little_endian") {
            throw PyTorchCheckpointError.bigEndian(file: path)
        }
        var objectReader = RestrictedUnpickler(bytes: bytes, start: position, path: path, arena: arena)
        let root = try objectReader.load()
        position = objectReader.position
        var keysReader = RestrictedUnpickler(bytes: bytes, start: position, path: path, arena: arena)
        let keysValue = try keysReader.load()
        position = keysReader.position
        guard case let .list(keyList) = keysValue else {
            throw PyTorchCheckpointError.invalidPickle(file: path, detail: "the storage key list is a \(keysValue.kindName)")
        }
        var storageBytes: [String: UnsafeRawBufferPointer] = [:]
        for item in keyList.items {
            guard case let .string(key) = item else {
                throw PyTorchCheckpointError.invalidPickle(file: path, detail: "a storage key is a \(item.kindName)")
            }
            guard let storage = objectReader.storages[key] else {
                throw PyTorchCheckpointError.invalidTensor(file: path, detail: "storage '\(key)' is listed but no tensor describes its type")
            }
            guard bytes.count - position >= 8 else {
                throw PyTorchCheckpointError.truncated(file: path, detail: "the file ends before storage '\(key)'")
            }
            let count = bytes.loadUnaligned(fromByteOffset: position, as: Int64.self)
            position += 8
            guard count == Int64(storage.storedElementCount) else {
                throw PyTorchCheckpointError.invalidTensor(
                    file: path, detail: "storage '\(key)' holds \(count) elements but the pickle says \(storage.storedElementCount)")
            }
            let (byteCount, overflow) = storage.storedElementCount.multipliedReportingOverflow(by: storage.dtype.byteSize)
            guard !overflow, byteCount <= bytes.count - position else {
                throw PyTorchCheckpointError.truncated(file: path, detail: "storage '\(key)' needs \(byteCount) bytes, the file has \(bytes.count - position) left")
            }
            storageBytes[key] = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + byteCount)])
            position += byteCount
        }
        return (root, storageBytes)
    }

    // MARK: structure

    /// The dict holding the tensors.
    static func findStateDictionary(_ root: PickleValue, path: String) throws -> PickleDictionary {
        guard case let .dictionary(top) = root else {
            throw PyTorchCheckpointError.noStateDict(file: path, detail: "the checkpoint holds a \(root.kindName), not a dict")
        }
        func holdsTensors(_ dictionary: PickleDictionary) -> Bool {
            dictionary.entries.contains { if case .tensor = $0.value { return true } else { return false } }
        }
        if holdsTensors(top) { return top }
        for key in nestedStateDictKeys {
            if case let .dictionary(nested) = top.value(forKey: key), holdsTensors(nested) { return nested }
        }
        let keys = top.entries.prefix(12).map { entry -> String in
            if case let .string(text) = entry.key { return "'\(text)'" }
            return entry.key.kindName
        }
        throw PyTorchCheckpointError.noStateDict(
            file: path, detail: "the top-level dict has no tensors and none under \(nestedStateDictKeys.joined(separator: "/")); "
                + "its keys are [\(keys.joined(separator: ", "))\(top.entries.count > 12 ? ", ..." : "")]")
    }

    /// Copies the tensor `reference` describes out of its storage's bytes, contiguously.
    static func materialize(_ reference: TorchTensorReference, storageBytes: UnsafeRawBufferPointer,
                            name: String, path: String) throws -> Tensor {
        func invalid(_ detail: String) -> PyTorchCheckpointError {
            .invalidTensor(file: path, detail: "tensor '\(name)' \(detail)")
        }
        let shape = reference.shape, strides = reference.strides
        guard shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }), reference.storageOffset >= 0 else {
            throw invalid("has a negative size, stride or offset (size \(shape), stride \(strides), offset \(reference.storageOffset))")
        }
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw invalid("has too many elements (size \(shape))") }
            count = product
        }
        if count == 0 { return Tensor.zeros(shape) }
        // The last element the view reaches, which must lie inside the storage.
        var last = reference.storageOffset
        for (extent, stride) in zip(shape, strides) {
            let (step, overflowStep) = (extent - 1).multipliedReportingOverflow(by: stride)
            let (sum, overflowSum) = last.addingReportingOverflow(step)
            guard !overflowStep, !overflowSum else { throw invalid("reaches beyond any storage (size \(shape), stride \(strides))") }
            last = sum
        }
        let storage = reference.storage
        guard last < storage.elementCount else {
            throw invalid("reaches element \(last) of storage '\(storage.key)', which has \(storage.elementCount) elements")
        }
        let elementSize = storage.dtype.byteSize
        guard (storage.elementOffset + last + 1) * elementSize <= storageBytes.count, let base = storageBytes.baseAddress else {
            throw invalid("lies beyond the bytes of storage '\(storage.key)'")
        }
        let first = base + (storage.elementOffset + reference.storageOffset) * elementSize
        if strides == contiguousStrides(shape) {
            return Tensor(shape: shape) { buffer in
                if let destination = buffer.baseAddress {
                    decodeElements(storage.dtype, from: first, count: count, into: destination)
                }
            }
        }
        // A strided view: decode the span it touches, then gather.
        let spanCount = last - reference.storageOffset + 1
        let span = UnsafeMutablePointer<Float>.allocate(capacity: spanCount)
        defer { span.deallocate() }
        decodeElements(storage.dtype, from: first, count: spanCount, into: span)
        return Tensor(shape: shape) { buffer in
            guard let destination = buffer.baseAddress else { return }
            gatherStrided(from: span, shape: shape, strides: strides, into: destination)
        }
    }

    /// Writes the elements of the strided view `source[shape, strides]` in row-major order.
    static func gatherStrided(from source: UnsafePointer<Float>, shape: [Int], strides: [Int],
                              into destination: UnsafeMutablePointer<Float>) {
        let rank = shape.count
        guard rank > 0 else {
            destination[0] = source[0]
            return
        }
        let inner = shape[rank - 1], innerStride = strides[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        var written = 0
        while true {
            for j in 0..<inner { destination[written + j] = source[offset + j * innerStride] }
            written += inner
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < shape[axis] { break }
                offset -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }
}
