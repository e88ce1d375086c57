import Foundation

/// The few collectives that data-parallel training and sharded feature extraction need,
/// over a group of `size` processes numbered `0..<size`.
///
/// Every process of the group calls the same collectives in the same order. With one
/// process (`SingleProcessCommunicator`) each collective is the identity, so code written
/// against `Communicator` runs unchanged with or without `mpirun`.
public protocol Communicator: AnyObject {
    /// This process's number in the group, `0..<size`.
    var rank: Int { get }
    /// The number of processes in the group.
    var size: Int { get }
    /// Replaces `buffer` on every process with the element-wise sum over all processes.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws
    /// Replaces `buffer` on every process with the element-wise sum over all processes.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws
    /// Copies `buffer` of process `root` into `buffer` of every other process (same size everywhere).
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws
    /// Collects every process's bytes at `root`, in rank order; nil on the other processes.
    func gather(_ bytes: [UInt8], root: Int) throws -> [[UInt8]]?
    /// Returns once every process has called it.
    func barrier() throws
}

/// A failed collective: the MPI call and its error code, or a misuse.
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    /// An MPI call returned an error code.
    case mpi(call: String, code: Int32)
    /// `--distributed mpi` was asked for, but the process was not started by an MPI launcher.
    case notLaunchedByMPI
    /// A collective was given inconsistent arguments (for example a root outside the group).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .mpi(call, code):
            return "\(call) failed with MPI error code \(code)"
        case .notLaunchedByMPI:
            return "--distributed mpi needs the processes started by an MPI launcher "
                + "(mpirun -np N mmfusion ..., or srun under Slurm); run without --distributed for one process"
        case let .invalidArgument(detail):
            return "invalid collective: \(detail)"
        }
    }
}

extension Communicator {
    /// Whether this process writes shared outputs (checkpoints, manifests, the experiment store).
    public var isRoot: Bool { rank == 0 }

    /// Broadcasts `data` from `root`: every process returns root's bytes.
    public func broadcast(_ data: Data, root: Int = 0) throws -> Data {
        var length = [Int64(data.count)]
        try length.withUnsafeMutableBytes { try broadcast($0, root: root) }
        var bytes = [UInt8](repeating: 0, count: Int(length[0]))
        if rank == root { bytes = [UInt8](data) }
        try bytes.withUnsafeMutableBytes { try broadcast($0, root: root) }
        return Data(bytes)
    }

    /// Sums one Double over the group.
    public func allReduceSum(_ value: Double) throws -> Double {
        var buffer = [value]
        try buffer.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        return buffer[0]
    }

    /// The rows `0..<count` that belong to this process under a contiguous block split:
    /// process r gets rows `[r·count/size, (r+1)·count/size)`, so the shards are
    /// deterministic and their concatenation in rank order is the whole range.
    public func shard(of count: Int) -> Range<Int> {
        blockShard(of: count, rank: rank, size: size)
    }
}

/// The rows of `0..<count` that process `rank` of `size` owns under the contiguous block
/// split `[rank·count/size, (rank+1)·count/size)`.
public func blockShard(of count: Int, rank: Int, size: Int) -> Range<Int> {
    precondition(size > 0 && (0..<size).contains(rank) && count >= 0, "blockShard: rank \(rank) of \(size), count \(count)")
    let lower = rank * count / size
    let upper = (rank + 1) * count / size
    return lower..<upper
}
