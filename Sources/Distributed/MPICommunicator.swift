import CMPI
import Foundation

/// The MPI world communicator (Open MPI from Debian, started with `mpirun` or `srun`).
///
/// Created once per process; MPI is initialised on creation and finalised with
/// `finalize()` (or at exit). Only the thread that created it may call collectives.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    /// MPI calls carry `int` counts; larger buffers go in pieces of this many elements.
    static let maximumChunk = 1 << 28

    /// Initialises MPI and joins the world group.
    /// - Throws: `DistributedError.mpi` when `MPI_Init_thread` fails.
    public init() throws {
        let code = mm_mpi_initialize()
        guard code == MPI_SUCCESS else { throw DistributedError.mpi(call: "MPI_Init_thread", code: code) }
        rank = Int(mm_mpi_rank())
        size = Int(mm_mpi_size())
    }

    /// Whether the environment shows an MPI launcher started this process.
    public static var launchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"].contains { environment[$0] != nil }
    }

    /// The number of ranks on this machine, from the launcher's environment (1 when unknown).
    public static var localSize: Int {
        let environment = ProcessInfo.processInfo.environment
        for key in ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"] {
            if let value = environment[key].flatMap(Int.init), value > 0 { return value }
        }
        return 1
    }

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard let base = buffer.baseAddress else { return }
        var offset = 0
        while offset < buffer.count {
            let count = min(Self.maximumChunk, buffer.count - offset)
            try check(mm_mpi_allreduce_sum_float(base + offset, count), "MPI_Allreduce")
            offset += count
        }
    }

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        guard let base = buffer.baseAddress else { return }
        var offset = 0
        while offset < buffer.count {
            let count = min(Self.maximumChunk, buffer.count - offset)
            try check(mm_mpi_allreduce_sum_double(base + offset, count), "MPI_Allreduce")
            offset += count
        }
    }

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        try checkRoot(root)
        guard let base = buffer.baseAddress else { return }
        var offset = 0
        while offset < buffer.count {
            let count = min(Self.maximumChunk, buffer.count - offset)
            try check(mm_mpi_broadcast_bytes(base + offset, count, Int32(root)), "MPI_Bcast")
            offset += count
        }
    }

    public func gather(_ bytes: [UInt8], root: Int) throws -> [[UInt8]]? {
        try checkRoot(root)
        var lengths = [Int](repeating: 0, count: size)
        try lengths.withUnsafeMutableBufferPointer { pointer in
            try check(mm_mpi_gather_long(bytes.count, pointer.baseAddress, Int32(root)), "MPI_Gather")
        }
        let total = rank == root ? lengths.reduce(0, +) : 0
        guard total <= Int(Int32.max) else {
            throw DistributedError.invalidArgument("gather of \(total) bytes exceeds MPI's 2 GiB count limit")
        }
        var counts = lengths.map { Int32($0) }
        var displacements = [Int32](repeating: 0, count: size)
        for index in counts.indices.dropFirst() { displacements[index] = displacements[index - 1] + counts[index - 1] }
        var received = [UInt8](repeating: 0, count: max(total, 1))
        try bytes.withUnsafeBytes { send in
            try received.withUnsafeMutableBytes { receive in
                try counts.withUnsafeMutableBufferPointer { countPointer in
                    try displacements.withUnsafeMutableBufferPointer { displacementPointer in
                        try check(mm_mpi_gatherv_bytes(send.baseAddress, Int32(bytes.count), receive.baseAddress,
                                                       countPointer.baseAddress, displacementPointer.baseAddress,
                                                       Int32(root)), "MPI_Gatherv")
                    }
                }
            }
        }
        guard rank == root else { return nil }
        return (0..<size).map { index in
            let start = Int(displacements[index])
            return Array(received[start..<start + lengths[index]])
        }
    }

    public func barrier() throws { try check(mm_mpi_barrier(), "MPI_Barrier") }

    /// Ends MPI for this process; call once, after the last collective.
    public func finalize() { _ = mm_mpi_finalize() }

    /// Stops every process of the group (after an error on one rank, the others would wait forever).
    public func abort(code: Int32) { _ = mm_mpi_abort(code) }

    private func check(_ code: Int32, _ call: String) throws {
        guard code == MPI_SUCCESS else { throw DistributedError.mpi(call: call, code: code) }
    }

    private func checkRoot(_ root: Int) throws {
        guard (0..<size).contains(root) else { throw DistributedError.invalidArgument("root \(root) in a group of \(size)") }
    }
}
