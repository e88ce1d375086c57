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
