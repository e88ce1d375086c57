import Testing
@testable import Tensors

@Suite struct TensorBasicsTests {
    @Test func broadcastAddAndGradients() {
        var a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]); a.requiresGrad = true
        var b = Tensor([10, 20, 30]); b.requiresGrad = true
        let y = (a + b) * a
        #expect(y.scalars == [11, 44, 99, 56, 125, 216])
        y.sum().backward()
        // d/da (a+b)a = 2a + b; d/db = a summed over rows.
        #expect(a.grad!.scalars == [12, 24, 36, 18, 30, 42])
        #expect(b.grad!.scalars == [5, 7, 9])
    }
}

@Suite struct LargeBufferPoolTests {
    /// A freed large buffer is handed to the next allocation of the same rounded size,
    /// (a size no other test allocates).
    @Test func largeBuffersAreReused() {
        let count = (LargeBufferPool.minimumBytes + 12345) / MemoryLayout<Float>.stride
        var first: TensorStorage? = TensorStorage(count: count, repeating: 1)
        let address = first.map { UnsafeMutableRawPointer($0.pointer) }
        first = nil
        // Other tests run in parallel, so only this buffer's own bytes are certain.
        #expect(LargeBufferPool.unusedBytes >= LargeBufferPool.roundedSize(count * 4))
        let second = TensorStorage(count: count - 7, repeating: 2)
        #expect(UnsafeMutableRawPointer(second.pointer) == address)
        #expect(second.buffer.allSatisfy { $0 == 2 })
        let small = TensorStorage(count: 16, repeating: 3)
        #expect(small.buffer.allSatisfy { $0 == 3 })
    }
}
