import Foundation
import Tensors

/// How a command runs: as one process, or as one rank of an MPI group.
public enum DistributedMode: String, CaseIterable, Codable, Sendable {
    /// One process; collectives are the identity.
    case none
    /// One rank of the MPI world started by `mpirun`/`srun`.
    case mpi

    /// The communicator for this mode. For `.mpi` it initialises MPI and gives each rank an
    /// equal share of this machine's cores for BLAS and the element-wise kernels, so ranks on
    /// one machine do not oversubscribe it.
    /// - Throws: `DistributedError.notLaunchedByMPI` when `.mpi` is asked for outside a launcher.
    public func makeCommunicator() throws -> any Communicator {
        switch self {
        case .none:
            return SingleProcessCommunicator()
        case .mpi:
            guard MPICommunicator.launchedByMPI else { throw DistributedError.notLaunchedByMPI }
            let communicator = try MPICommunicator()
            let share = max(1, Parallel.threadCount / max(1, MPICommunicator.localSize))
            Parallel.setThreadCount(share)
            return communicator
        }
    }
}
