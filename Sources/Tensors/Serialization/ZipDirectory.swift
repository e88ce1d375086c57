// The central directory of a zip archive held in memory (a mapped file), enough to find
// the stored entries torch.save writes. Zip64 sizes and offsets are understood; entries
// are located, not decompressed.

/// One entry of a zip archive.
struct ZipEntry {
    var name: String
    /// 0 = stored, 8 = deflate, ...
    var compressionMethod: Int
    var compressedSize: Int
    var uncompressedSize: Int
    /// Where the entry's data starts in the archive.
    var dataOffset: Int
}

/// The entries of a zip archive, by name.
struct ZipDirectory {
    let entries: [String: ZipEntry]

    private static let endOfCentralDirectorySignature: UInt32 = 0x0605_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let centralHeaderSignature: UInt32 = 0x0201_4B50
    private static let localHeaderSignature: UInt32 = 0x0403_4B50

    /// Whether `bytes` start like a zip archive (a local file header).
    static func looksLikeZip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 4 && read32(bytes, 0) == localHeaderSignature
    }

    private static func read16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> Int {
        Int(bytes[offset]) | (Int(bytes[offset + 1]) << 8)
    }

    private static func read32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | (UInt32(bytes[offset + 1]) << 8) | (UInt32(bytes[offset + 2]) << 16) | (UInt32(bytes[offset + 3]) << 24)
    }

    private static func read64(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(read32(bytes, offset)) | (UInt64(read32(bytes, offset + 4)) << 32)
    }

    /// Reads the central directory of the archive in `bytes`.
    /// - Throws: `PyTorchCheckpointError.invalidZip` / `.truncated` naming `path`.
    init(bytes: UnsafeRawBufferPointer, path: String) throws {
        func invalid(_ detail: String) -> PyTorchCheckpointError { .invalidZip(file: path, detail: detail) }
        func toInt(_ value: UInt64, _ what: String) throws -> Int {
            guard value <= UInt64(bytes.count) else {
                throw PyTorchCheckpointError.truncated(file: path, detail: "\(what) \(value) lies beyond the file's \(bytes.count) bytes")
            }
            return Int(value)
        }

        // The end-of-central-directory record: 22 bytes plus a comment of up to 65535.
        guard bytes.count >= 22 else {
            throw PyTorchCheckpointError.truncated(file: path, detail: "\(bytes.count) bytes cannot hold a zip directory")
        }
        var endRecord = -1
        var candidate = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65535)
        while candidate >= lowest {
            if Self.read32(bytes, candidate) == Self.endOfCentralDirectorySignature,
               candidate + 22 + Self.read16(bytes, candidate + 20) == bytes.count {
                endRecord = candidate
                break
            }
            candidate -= 1
        }
        guard endRecord >= 0 else {
            throw PyTorchCheckpointError.truncated(file: path, detail: "no end-of-central-directory record; the archive is cut short")
        }
        var entryCount = UInt64(Self.read16(bytes, endRecord + 10))
        var directorySize = UInt64(Self.read32(bytes, endRecord + 12))
        var directoryOffset = UInt64(Self.read32(bytes, endRecord + 16))
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            let locator = endRecord - 20
            guard locator >= 0, Self.read32(bytes, locator) == Self.zip64LocatorSignature else {
                throw invalid("a zip64 archive without its zip64 locator")
            }
            let zip64End = try toInt(Self.read64(bytes, locator + 8), "the zip64 record offset")
            guard zip64End <= bytes.count - 56, Self.read32(bytes, zip64End) == Self.zip64EndSignature else {
                throw invalid("the zip64 end record is missing")
            }
            entryCount = Self.read64(bytes, zip64End + 32)
            directorySize = Self.read64(bytes, zip64End + 40)
            directoryOffset = Self.read64(bytes, zip64End + 48)
        }
        let start = try toInt(directoryOffset, "the central directory offset")
        let size = try toInt(directorySize, "the central directory size")
        guard size <= bytes.count - start else {
            throw PyTorchCheckpointError.truncated(file: path, detail: "the central directory runs past the end of the file")
        }
        guard entryCount <= UInt64(size / 46) else { throw invalid("\(entryCount) entries cannot fit in \(size) directory bytes") }

        var entries: [String: ZipEntry] = [:]
        var cursor = start
        let end = start + size
        for _ in 0..<Int(entryCount) {
            guard end - cursor >= 46, Self.read32(bytes, cursor) == Self.centralHeaderSignature else {
                throw invalid("a central directory record at byte \(cursor) is malformed")
            }
            let flags = Self.read16(bytes, cursor + 8)
            let method = Self.read16(bytes, cursor + 10)
            var compressedSize = UInt64(Self.read32(bytes, cursor + 20))
            var uncompressedSize = UInt64(Self.read32(bytes, cursor + 24))
            let nameLength = Self.read16(bytes, cursor + 28)
            let extraLength = Self.read16(bytes, cursor + 30)
            let commentLength = Self.read16(bytes, cursor + 32)
            var localOffset = UInt64(Self.read32(bytes, cursor + 42))
            let recordLength = 46 + nameLength + extraLength + commentLength
            guard end - cursor >= recordLength else { throw invalid("a central directory record runs past the directory") }
            let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[(cursor + 46)..<(cursor + 46 + nameLength)])
            guard isValidUTF8(nameBytes) else { throw invalid("an entry name is not UTF-8") }
            let name = String(decoding: nameBytes, as: UTF8.self)
            guard (flags & 0x1) == 0 else { throw invalid("entry '\(name)' is encrypted") }

            // Zip64 extended information replaces the fields saturated at 0xFFFFFFFF, in order.
            var extra = cursor + 46 + nameLength
            let extraEnd = extra + extraLength
            while extraEnd - extra >= 4 {
                let tag = Self.read16(bytes, extra)
                let length = Self.read16(bytes, extra + 2)
                guard extraEnd - extra - 4 >= length else { throw invalid("entry '\(name)' has a malformed extra field") }
                if tag == 0x0001 {
                    var field = extra + 4
                    let fieldEnd = field + length
                    func next() throws -> UInt64 {
                        guard fieldEnd - field >= 8 else { throw invalid("entry '\(name)' has a short zip64 field") }
                        defer { field += 8 }
                        return Self.read64(bytes, field)
                    }
                    if uncompressedSize == 0xFFFF_FFFF { uncompressedSize = try next() }
                    if compressedSize == 0xFFFF_FFFF { compressedSize = try next() }
                    if localOffset == 0xFFFF_FFFF { localOffset = try next() }
                }
                extra += 4 + length
            }

            let local = try toInt(localOffset, "entry '\(name)' offset")
            guard bytes.count - local >= 30, Self.read32(bytes, local) == Self.localHeaderSignature else {
                throw invalid("entry '\(name)' has no local header at byte \(local)")
            }
            let dataOffset = local + 30 + Self.read16(bytes, local + 26) + Self.read16(bytes, local + 28)
            let stored = try toInt(compressedSize, "entry '\(name)' size")
            guard dataOffset <= bytes.count, stored <= bytes.count - dataOffset else {
                throw PyTorchCheckpointError.truncated(file: path, detail: "entry '\(name)' runs past the end of the file")
            }
            guard entries[name] == nil else { throw invalid("entry '\(name)' appears twice") }
            entries[name] = ZipEntry(name: name, compressionMethod: method, compressedSize: stored,
                                     uncompressedSize: Int(clamping: uncompressedSize), dataOffset: dataOffset)
            cursor += recordLength
        }
        self.entries = entries
    }
}
