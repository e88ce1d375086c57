import Tensors

/// Synchronous data parallelism over a group of processes (`train --distributed mpi`),
/// given as the two collectives the trainer needs, so Training does not depend on MPI.
///
/// Every process walks the same shuffled global batches. Process r of p takes the
/// contiguous slice `[r·B/p, (r+1)·B/p)` of each batch of B rows, scales its loss by
/// slice/B, and after `backward()` the gradients are summed over the group: for losses
/// that are means over samples (cross-entropy) the sum is exactly the gradient of the
/// whole batch, up to float summation order. Losses coupled across the batch (SupCon,
/// InfoNCE against a queue, BMLHF's per-batch MIB ratio) see only the process's slice, as
/// under PyTorch DistributedDataParallel. Dropout draws its masks from each process's own
/// generator, so runs equal single-process ones exactly only with dropout off.
public struct DataParallelism {
    /// This process's number, `0..<size`.
    public var rank: Int
    /// The number of processes.
    public var size: Int
    /// Replaces the buffer on every process with the element-wise sum over the group.
    public var allReduceSum: (UnsafeMutableBufferPointer<Float>) throws -> Void
    /// Replaces the buffer on every process with process 0's.
    public var broadcast: (UnsafeMutableBufferPointer<Float>) throws -> Void

    /// Process `rank` of `size` with the group's collectives.
    public init(rank: Int, size: Int, allReduceSum: @escaping (UnsafeMutableBufferPointer<Float>) throws -> Void,
                broadcast: @escaping (UnsafeMutableBufferPointer<Float>) throws -> Void) {
        self.rank = rank
        self.size = size
        self.allReduceSum = allReduceSum
        self.broadcast = broadcast
    }

    /// Whether this process writes the run directory and the experiment store.
    public var isRoot: Bool { rank == 0 }

    /// This process's slice of a global batch of `count` rows.
    func slice(of count: Int) -> Range<Int> {
        (rank * count / size)..<((rank + 1) * count / size)
    }

    /// Copies process 0's values of `tensors` into every process's.
    func broadcast(_ tensors: [Tensor]) throws {
        var flat = tensors.flatMap(\.scalars)
        try flat.withUnsafeMutableBufferPointer { try broadcast($0) }
        var offset = 0
        for tensor in tensors {
            let count = tensor.count
            flat.withUnsafeBufferPointer { source in
                tensor.updateInPlace { destination in
                    for index in 0..<count { destination[index] = source[offset + index] }
                }
            }
            offset += count
        }
    }

    /// Sums the gradients of `parameters` over the group in one flat buffer (a parameter
    /// without a gradient on this process contributes zeros) and sets the sums as their
    /// gradients.
    func sumGradients(_ parameters: [Tensor]) throws {
        var flat: [Float] = []
        flat.reserveCapacity(parameters.reduce(0) { $0 + $1.count })
        for parameter in parameters {
            if let gradient = parameter.grad { flat += gradient.scalars } else { flat += repeatElement(0, count: parameter.count) }
        }
        try flat.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        var offset = 0
        for parameter in parameters {
            parameter.grad = Tensor(shape: parameter.shape, scalars: Array(flat[offset..<offset + parameter.count]))
            offset += parameter.count
        }
    }

    /// The sum of `value` over the group.
    func sum(_ value: Float) throws -> Float {
        var buffer = [value]
        try buffer.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        return buffer[0]
    }
}
