#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps freed buffers of 256 KiB and more for reuse by the next allocation of the same
/// rounded size.
///
/// glibc maps every allocation above its mmap threshold (at most 32 MiB on 64-bit)
/// afresh and unmaps it on free, and gives the top of its heap back to the system once
/// more than the trim threshold is free there, which is what happens at the end of every
/// training step (its activations are freed together). The next step's outputs then
/// fault in fresh zeroed pages: 21-25% of the HGLNet-shaped head's step in the kernel's
/// `clear_page`. Steps repeat the same shapes, so a pool keyed by rounded size removes
/// those faults. It holds at most `capacityBytes`; beyond that, buffers go back.
enum LargeBufferPool {
    /// Buffers at least this large come from the pool.
    static let minimumBytes = 256 << 10
    /// Sizes are rounded up to this granule so near-equal shapes share buffers.
    static let granule = 64 << 10
    /// The most bytes kept while unused: a quarter of physical memory (a training step's
    /// activations are freed together at its end and wanted again by the next step).
    static let capacityBytes: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return 1 << 30 }
        return max(1 << 30, pages * pageSize / 4)
    }()

    nonisolated(unsafe) private static var available: [Int: [UnsafeMutableRawPointer]] = [:]
    nonisolated(unsafe) private static var heldBytes = 0
    nonisolated(unsafe) private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        return lock
    }()

    /// The size a request of `bytes` occupies.
    static func roundedSize(_ bytes: Int) -> Int { (bytes + granule - 1) / granule * granule }

    /// A 64-byte aligned buffer of at least `bytes`, reused when one of the same rounded size is free.
    static func allocate(bytes: Int) -> UnsafeMutableRawPointer? {
        let size = roundedSize(bytes)
        pthread_mutex_lock(lock)
        if var bucket = available[size], let reused = bucket.popLast() {
            available[size] = bucket
            heldBytes -= size
            pthread_mutex_unlock(lock)
            return reused
        }
        pthread_mutex_unlock(lock)
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, size) == 0 else { return nil }
        return raw
    }

    /// Returns a buffer from `allocate(bytes:)`: kept while the pool has room, else freed.
    static func release(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        let size = roundedSize(bytes)
        pthread_mutex_lock(lock)
        if heldBytes + size <= capacityBytes {
            available[size, default: []].append(pointer)
            heldBytes += size
            pthread_mutex_unlock(lock)
            return
        }
        pthread_mutex_unlock(lock)
        free(pointer)
    }

    /// Bytes currently held unused (for tests).
    static var unusedBytes: Int {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return heldBytes
    }
}
