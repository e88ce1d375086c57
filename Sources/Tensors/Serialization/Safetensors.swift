import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing safetensors files. Read them with `SafetensorsFile`.
public enum Safetensors {
    /// Writes `tensors` to `url` as a safetensors file, each tensor stored as `dtype`, or as
    /// `dtypeOverrides[name]` where given (e.g. Float16 features beside Int64 labels).
    ///
    /// Tensors are laid out by element size (largest first), then name, after a header
    /// padded with spaces to a multiple of 8 bytes, so every tensor's data is aligned to its
    /// element size (the order the Python `safetensors` library uses). The file is written under a temporary
    /// name in the same folder and renamed into place when complete, so a reader never
    /// sees half a file. `.f16` and `.bf16` round to nearest even; integer and `.bool`
    /// outputs accept only values that convert exactly.
    /// - Throws: `SafetensorsError` when a name is invalid, a value does not fit `dtype`,
    ///   or the file cannot be written.
    public static func write(_ tensors: [String: Tensor], to url: URL, metadata: [String: String] = [:],
                             dtype: SafetensorsDType = .f32, dtypeOverrides: [String: SafetensorsDType] = [:]) throws {
        let path = url.path
        func storedType(_ name: String) -> SafetensorsDType { dtypeOverrides[name] ?? dtype }
        for name in dtypeOverrides.keys.sorted() where tensors[name] == nil {
            throw SafetensorsError.invalidName(tensor: name, detail: "dtypeOverrides names a tensor that is not being written")
        }
        let names = tensors.keys.sorted { left, right in
            let (leftSize, rightSize) = (storedType(left).byteSize, storedType(right).byteSize)
            return leftSize != rightSize ? leftSize > rightSize : left < right
        }
        var header = "{"
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(HeaderJSON.quoted($0)):\(HeaderJSON.quoted(metadata[$0] ?? ""))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            guard !name.isEmpty else { throw SafetensorsError.invalidName(tensor: name, detail: "the name is empty") }
            guard name != "__metadata__" else {
                throw SafetensorsError.invalidName(tensor: name, detail: "\"__metadata__\" is reserved for the metadata block")
            }
            guard let tensor = tensors[name] else { continue }
            let byteCount = tensor.count * storedType(name).byteSize
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            fields.append("\(HeaderJSON.quoted(name)):{\"dtype\":\"\(storedType(name).rawValue)\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(offset),\(offset + byteCount)]}")
            offset += byteCount
        }
        header += fields.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }

        let temporaryPath = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard let stream = fopen(temporaryPath, "wb") else {
            throw SafetensorsError.fileAccess(file: path, reason: "cannot create \(temporaryPath) (\(String(cString: strerror(errno))))")
        }
        var completed = false
        defer {
            if !completed {
                fclose(stream)
                unlink(temporaryPath)
            }
        }
        func put(_ bytes: UnsafeRawBufferPointer) throws {
            guard let pointer = bytes.baseAddress, bytes.count > 0 else { return }
            guard fwrite(pointer, 1, bytes.count, stream) == bytes.count else {
                throw SafetensorsError.fileAccess(file: path, reason: "write failed (\(String(cString: strerror(errno))))")
            }
        }
        var lengthPrefix = UInt64(headerBytes.count).littleEndian
        try withUnsafeBytes(of: &lengthPrefix) { try put($0) }
        try headerBytes.withUnsafeBytes { try put($0) }

        // Convert in chunks so a large tensor needs only a small staging buffer.
        let chunkElements = 1 << 16
        let staging = UnsafeMutableRawPointer.allocate(byteCount: chunkElements * 8, alignment: 64)
        defer { staging.deallocate() }
        for name in names {
            guard let tensor = tensors[name] else { continue }
            let source = tensor.storage.pointer
            let dtype = storedType(name)
            if dtype == .f32 {
                try put(UnsafeRawBufferPointer(start: source, count: tensor.count * 4))
                continue
            }
            var start = 0
            while start < tensor.count {
                let count = min(chunkElements, tensor.count - start)
                do {
                    try encodeElements(source + start, count: count, as: dtype, into: staging)
                } catch {
                    throw SafetensorsError.valueNotRepresentable(tensor: name, dtype: dtype, value: error.value)
                }
                try put(UnsafeRawBufferPointer(start: staging, count: count * dtype.byteSize))
                start += count
            }
        }
        guard fflush(stream) == 0, fsync(fileno(stream)) == 0 else {
            throw SafetensorsError.fileAccess(file: path, reason: "cannot flush \(temporaryPath) (\(String(cString: strerror(errno))))")
        }
        completed = true
        guard fclose(stream) == 0 else {
            unlink(temporaryPath)
            throw SafetensorsError.fileAccess(file: path, reason: "cannot close \(temporaryPath) (\(String(cString: strerror(errno))))")
        }
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw SafetensorsError.fileAccess(file: path, reason: "cannot rename \(temporaryPath) into place (\(reason))")
        }
    }
}
