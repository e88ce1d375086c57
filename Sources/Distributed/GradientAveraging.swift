import Tensors

/// Averages gradients (or any tensors) over the group, in buckets: the tensors are packed
/// into contiguous buffers of about `bucketBytes`, each buffer is summed with one
/// allreduce and scaled by 1/size, and the results are written back in place.
///
/// Packing into buckets turns hundreds of small allreduces (one per parameter) into a few
/// large ones, which is where MPI reaches its bandwidth.
public struct GradientAveraging {
    /// The bucket size in bytes (25 MiB, as PyTorch DDP's default).
    public var bucketBytes: Int

    public init(bucketBytes: Int = 25 << 20) {
        self.bucketBytes = bucketBytes
    }

    /// Replaces each tensor's values with the mean of that tensor over the group.
    /// Every process must pass tensors of the same shapes in the same order.
    public func averageInPlace(_ tensors: [Tensor], over communicator: any Communicator) throws {
        guard communicator.size > 1 else { return }
        let scale = 1 / Float(communicator.size)
        let bucketElements = max(1, bucketBytes / MemoryLayout<Float>.stride)
        var start = 0
        while start < tensors.count {
            var end = start
            var elements = 0
            repeat {
                elements += tensors[end].count
                end += 1
            } while end < tensors.count && elements + tensors[end].count <= bucketElements
            var bucket = [Float](repeating: 0, count: elements)
            var offset = 0
            for tensor in tensors[start..<end] {
                let scalars = tensor.scalars
                bucket.replaceSubrange(offset..<offset + scalars.count, with: scalars)
                offset += scalars.count
            }
            try bucket.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0) }
            offset = 0
            for tensor in tensors[start..<end] {
                let count = tensor.count
                bucket.withUnsafeBufferPointer { source in
                    tensor.updateInPlace { destination in
                        for index in 0..<count { destination[index] = source[offset + index] * scale }
                    }
                }
                offset += count
            }
            start = end
        }
    }

    /// Copies every tensor of process `root` into the same tensors of every other process
    /// (parameters at the start of training, so all ranks begin from the same weights).
    public func broadcastInPlace(_ tensors: [Tensor], from root: Int = 0,
                                 over communicator: any Communicator) throws {
        guard communicator.size > 1 else { return }
        for tensor in tensors {
            var scalars = tensor.scalars
            try scalars.withUnsafeMutableBytes { try communicator.broadcast($0, root: root) }
            tensor.updateInPlace { destination in
                for index in 0..<scalars.count { destination[index] = scalars[index] }
            }
        }
    }
}
