import Foundation
import Testing
import Tensors
@testable import Distributed

@Suite("Communicator")
struct CommunicatorTests {
    @Test("block shards are disjoint, ordered and cover every row")
    func blockShardsCover() {
        for count in [0, 1, 7, 100, 1001] {
            for size in 1...5 {
                let shards = (0..<size).map { blockShard(of: count, rank: $0, size: size) }
                #expect(shards.first?.lowerBound == 0)
                #expect(shards.last?.upperBound == count)
                for (previous, next) in zip(shards, shards.dropFirst()) { #expect(previous.upperBound == next.lowerBound) }
                let sizes = shards.map(\.count)
                #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1, "count \(count), size \(size): \(sizes)")
            }
        }
    }

    @Test("one process: collectives leave values as they are")
    func singleProcess() throws {
        let communicator = SingleProcessCommunicator()
        var values: [Float] = [1, 2, 3]
        try values.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0) }
        #expect(values == [1, 2, 3])
        #expect(try communicator.broadcast(Data([9, 8, 7])) == Data([9, 8, 7]))
        #expect(try communicator.gather([4, 5], root: 0) == [[4, 5]])
        #expect(throws: DistributedError.self) { try communicator.gather([1], root: 1) }
        let tensor = Tensor(shape: [3], scalars: [1, 2, 3])
        try GradientAveraging().averageInPlace([tensor], over: communicator)
        #expect(tensor.scalars == [1, 2, 3])
    }

    @Test("--distributed mpi outside a launcher is a clear error")
    func mpiNeedsLauncher() throws {
        guard !MPICommunicator.launchedByMPI else { return }
        #expect(throws: DistributedError.notLaunchedByMPI) { try DistributedMode.mpi.makeCommunicator() }
        #expect(DistributedError.notLaunchedByMPI.description.contains("mpirun -np N"))
    }

    @Test("two MPI ranks: allreduce sums are checked by the benchmark at every message size")
    func twoRankAllReduce() throws {
        let result = try MPIRun.run(ranks: 2, arguments: ["bench", "allreduce", "--repetitions", "1"])
        #expect(result.status == 0, "mpirun failed: \(result.errors)")
        let lines = result.output.split(separator: "\n").filter { $0.hasPrefix("allreduce") }
        #expect(lines.count == 8, "\(result.output)")
        #expect(lines.allSatisfy { $0.contains("2 ranks") })
        #expect(lines.first?.hasPrefix("allreduce 4 KiB") == true)
        #expect(lines.last?.hasPrefix("allreduce 64 MiB") == true)
    }
}
