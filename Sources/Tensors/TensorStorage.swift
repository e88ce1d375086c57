import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The heap buffer behind one or more `Tensor` values: `count` Float32 scalars,
/// 64-byte aligned so SIMD loads and BLAS see aligned rows.
///
/// Tensors share a storage until one of them is mutated through a value-semantics
/// API (copy-on-write). Optimizers and weight loading write through
/// `Tensor.assign(_:)` / `Tensor.updateInPlace(_:)`, which mutate the shared storage
/// the way PyTorch's in-place parameter updates do.
public final class TensorStorage: @unchecked Sendable {
    /// First scalar.
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of scalars.
    public let count: Int

    /// Allocates uninitialised storage for `count` scalars.
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "TensorStorage: negative scalar count \(count)")
        _ = TensorStorage.allocatorConfigured
        self.count = count
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        if bytes >= LargeBufferPool.minimumBytes {
            raw = LargeBufferPool.allocate(bytes: bytes)
        } else if posix_memalign(&raw, 64, bytes) != 0 {
            raw = nil
        }
        guard let raw else {
            preconditionFailure("TensorStorage: cannot allocate \(bytes) bytes")
        }
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Allocates storage filled with `value`.
    public convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    /// A storage holding a copy of `other`'s scalars.
    public convenience init(copying other: TensorStorage) {
        self.init(uninitializedCount: other.count)
        pointer.update(from: other.pointer, count: count)
    }

    deinit {
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        if bytes >= LargeBufferPool.minimumBytes {
            LargeBufferPool.release(UnsafeMutableRawPointer(pointer), bytes: bytes)
        } else {
            free(pointer)
        }
    }

    /// Keeps large freed buffers in the process instead of handing them back to the
    /// system: with glibc's defaults every op's output above the mmap threshold is a
    /// fresh mapping whose pages fault in again, which caps element-wise kernels at a
    /// fraction of memory bandwidth. Runs once, before the first allocation.
    static let allocatorConfigured: Void = {
        ck_configure_allocator()
    }()

    /// The scalars as a buffer.
    @inlinable public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }
}
