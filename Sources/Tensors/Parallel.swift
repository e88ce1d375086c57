import Dispatch
import CBLAS

/// The one threading scheme of the engine: BLAS calls use OpenBLAS's own threads;
/// element-wise and data-movement kernels split large loops into contiguous chunks
/// over the cores with `DispatchQueue.concurrentPerform`, never inside a BLAS call.
public enum Parallel {
    /// Number of worker threads for element-wise kernels (the machine's active cores).
    nonisolated(unsafe) public static var threadCount: Int = max(1, ProcessInfoCores.active)

    /// Loops with fewer scalar operations than this run on the calling thread.
    public static let grainSize = 1 << 15

    /// Sets the threads used by BLAS and by the element-wise kernels.
    public static func setThreadCount(_ n: Int) {
        threadCount = max(1, n)
        #if !canImport(Accelerate)
        openblas_set_num_threads(Int32(threadCount))
        #endif
    }

    /// Calls `body(range)` over contiguous chunks covering `0..<count`, in parallel when
    /// `count * costPerItem` is large enough to pay for the hand-off.
    @inlinable
    public static func forEachChunk(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        let work = count &* max(costPerItem, 1)
        let chunks = min(threadCount, max(1, work / grainSize), count)
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let start = count * c / chunks
            let end = count * (c + 1) / chunks
            if start < end { body(start..<end) }
        }
    }
}

/// Active processor count, read once.
public enum ProcessInfoCores {
    public static let active: Int = {
        #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 1
        #endif
    }()
}

#if canImport(Glibc)
import Glibc
#endif
