import Distributed
import Foundation

extension Benchmark {
    /// `mmfusion bench allreduce`: sum-allreduce of Float32 messages from 4 KiB to 64 MiB over
    /// the MPI world (run it under `mpirun -np 2`), as message bytes per second (algorithm
    /// bandwidth: bytes / median time). Each result is checked against the expected sum.
    static let allReduce = Benchmark(
        name: "allreduce",
        summary: "MPI sum-allreduce bytes/s, 4 KiB to 64 MiB; run under mpirun -np N"
    ) { options in
        let mode: DistributedMode = MPICommunicator.launchedByMPI ? .mpi : .none
        let communicator = try mode.makeCommunicator()
        defer { (communicator as? MPICommunicator)?.finalize() }
        var figures: [BenchFigure] = []
        var bytes = 4 << 10
        while bytes <= 64 << 20 {
            let count = bytes / MemoryLayout<Float>.stride
            var buffer = [Float](repeating: 0, count: count)
            let repetitions = max(3, min(options.repetitions * 10, (256 << 20) / bytes))
            var times: [Double] = []
            for repetition in 0...repetitions {
                for index in 0..<count { buffer[index] = Float(communicator.rank + 1 + index % 7) }
                try communicator.barrier()
                let start = DispatchTime.now().uptimeNanoseconds
                try buffer.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0) }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                if repetition > 0 { times.append(seconds) }
            }
            let size = communicator.size
            let expectedBase = Float(size * (size + 1) / 2)
            for index in stride(from: 0, to: count, by: 97) where buffer[index] != expectedBase + Float(size * (index % 7)) {
                throw DistributedError.invalidArgument(
                    "allreduce of \(bytes) bytes gave \(buffer[index]) at element \(index), expected "
                        + "\(expectedBase + Float(size * (index % 7)))")
            }
            // Every rank reports its median; the slowest rank's figure is the collective's.
            times.sort()
            let slowest = try communicator.allReduceMaximum(times[times.count / 2])
            figures.append(BenchFigure(
                name: "allreduce \(formatBytes(bytes))", value: Double(bytes) / slowest / 1e9, unit: "GB/s",
                detail: "\(size) ranks, median of \(repetitions), \(String(format: "%.1f", slowest * 1e6)) µs"))
            bytes *= 4
        }
        return communicator.isRoot ? figures : []
    }
}

private func formatBytes(_ bytes: Int) -> String {
    bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(bytes >> 10) KiB"
}

extension Communicator {
    /// The maximum of one value over the group (from a sum of one-hot slots).
    func allReduceMaximum(_ value: Double) throws -> Double {
        var slots = [Double](repeating: 0, count: size)
        slots[rank] = value
        try slots.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        return slots.max() ?? value
    }
}
