import CKernels
import Foundation

/// SHA-256 (FIPS 180-4) of files and byte strings, for the content hashes in a feature
/// store's manifest: weight files, post texts and images.
///
/// The compression runs in C (`mm_sha256_blocks`): with the x86 SHA extensions where the
/// processor has them (about 1.5 GB/s), portable C otherwise.
public struct SHA256 {
    private var state: [UInt32] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]
    private var pending: [UInt8] = []
    private var length: UInt64 = 0
    /// -1 the machine's best compression, 0 portable C, 1 the SHA extensions.
    let instructionSet: Int32

    /// A hasher with no bytes yet; `instructionSet` pins the compression (tests).
    public init(instructionSet: Int32 = -1) {
        self.instructionSet = instructionSet
    }

    /// Adds `bytes` to the message.
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
        }
        if handled == nil { Array(bytes).withUnsafeBytes { update($0) } }
    }

    /// Adds the bytes in `buffer` to the message.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count > 0 else { return }
        length &+= UInt64(buffer.count)
        var offset = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, buffer.count)
            pending.append(contentsOf: UnsafeBufferPointer(start: base, count: take))
            offset = take
            if pending.count == 64 {
                compress(pending, blocks: 1)
                pending.removeAll(keepingCapacity: true)
            }
        }
        let blocks = (buffer.count - offset) / 64
        if blocks > 0 {
            compress(base + offset, blocks: blocks)
            offset += blocks * 64
        }
        if offset < buffer.count {
            pending.append(contentsOf: UnsafeBufferPointer(start: base + offset, count: buffer.count - offset))
        }
    }

    /// Pads the message and returns its digest as 64 lowercase hexadecimal digits.
    public mutating func finalizeHex() -> String {
        let bitLength = length &* 8
        var tail: [UInt8] = [0x80]
        while (pending.count + tail.count) % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        let savedLength = length
        update(tail)
        length = savedLength
        return state.map { String(format: "%08x", $0) }.joined()
    }

    /// The SHA-256 of `bytes` in hexadecimal.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalizeHex()
    }

    /// The SHA-256 of the file at `url`, read in 4 MiB pieces.
    public static func hex(contentsOf url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { hasher.update(chunk) }
        return hasher.finalizeHex()
    }

    private mutating func compress(_ data: UnsafePointer<UInt8>, blocks: Int) {
        let instructionSet = self.instructionSet
        state.withUnsafeMutableBufferPointer { words in
            mm_sha256_blocks(words.baseAddress, data, blocks, instructionSet)
        }
    }
}
