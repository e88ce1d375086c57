import Foundation

/// OpenBLAS's idle worker threads spin on `sched_yield` for up to 2^28 cycles after each
/// GEMM (its default `OPENBLAS_THREAD_TIMEOUT` of 28), competing with the element-wise
/// kernels that run between GEMMs on the same two cores. OpenBLAS reads the variable
/// once, when the library loads, before any of our code runs; so when it is unset the
/// command re-executes itself once with `OPENBLAS_THREAD_TIMEOUT=4` (idle workers sleep
/// almost at once). Measured on the 2-core machine of docs/performance.md: the fused
/// attention 1.3-1.5x faster, the fusion-head training step 1.07x. A value the user sets
/// is left alone.
enum OpenBLASEnvironment {
    static func settleIdleThreads() {
        #if os(Linux)
        guard getenv("OPENBLAS_THREAD_TIMEOUT") == nil else { return }
        setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1)
        let arguments = CommandLine.unsafeArgv
        execv("/proc/self/exe", arguments)
        // execv only returns on failure; carry on with the default behaviour.
        #endif
    }
}
