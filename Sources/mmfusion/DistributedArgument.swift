import ArgumentParser
import Distributed

/// `--distributed none|mpi` on the command line.
extension DistributedMode: ExpressibleByArgument {}
