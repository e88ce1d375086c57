import Foundation
import Testing
import Tensors

/// The autodiff engine: accumulation, shared subgraphs, detaching, disabled recording,
/// gradient hooks, retained graphs and leaf gradients through broadcasting.
@Suite struct AutogradTests {
    /// Gradients of two backward passes add up on the leaf until `zeroGrad`.
    @Test func accumulationAcrossBackwardCalls() {
        var x = Tensor([1, -2, 3]); x.requiresGrad = true
        (x * 3).sum().backward()
        #expect(x.grad?.scalars == [3, 3, 3])
        (x * x).sum().backward()
        #expect(x.grad?.scalars == [5, -1, 9])
        x.zeroGrad()
        #expect(x.grad == nil)
        (x * 2).sum().backward()
        #expect(x.grad?.scalars == [2, 2, 2])
    }

    /// A tensor used by two consumers (a diamond) receives the sum of both paths.
    @Test func diamondGraph() {
        var x = Tensor([0.5, -1, 2]); x.requiresGrad = true
        let a = x * 2
        let b = a * a + a.exp() // d/da = 2a + e^a; da/dx = 2
        b.sum().backward()
        let expected = x.scalars.map { 2 * (2 * (2 * $0) + Foundation.exp(2 * $0)) }
        for (g, e) in zip(x.grad?.scalars ?? [], expected) { #expect(Swift.abs(g - e) <= 1e-5 * Swift.abs(e)) }
    }

    /// `detached()` cuts the graph: x · detached(x) has gradient x, not 2x.
    @Test func detachedStopsGradients() {
        var x = Tensor([1, 2, 3]); x.requiresGrad = true
        let d = x.detached()
        #expect(!d.requiresGrad)
        (x * d).sum().backward()
        #expect(x.grad?.scalars == [1, 2, 3])
    }

    /// Inside `withoutGradients` nothing is recorded; outside recording resumes.
    @Test func withoutGradientsRecordsNothing() {
        var x = Tensor([1, 2]); x.requiresGrad = true
        let y = withoutGradients { (x * x).exp().sum() }
        #expect(!y.requiresGrad)
        let z = (x * x).sum()
        #expect(z.requiresGrad && !z.isLeaf)
    }

    /// A hook on an interior tensor scales that branch only; a hook on a leaf scales what
    /// it accumulates.
    @Test func gradientHooks() {
        var x = Tensor([1, 2]); x.requiresGrad = true
        let h = x * 2
        h.registerGradientHook { $0 * 10 }
        (h.sum() + x.sum()).backward()
        #expect(x.grad?.scalars == [21, 21])

        var w = Tensor([3]); w.requiresGrad = true
        w.registerGradientHook { $0 * -1 }
        (w * 4).sum().backward()
        #expect(w.grad?.scalars == [-4])
    }

    /// With `retainGraph: true` the same graph can be walked again, adding the gradient.
    @Test func retainGraphAllowsSecondBackward() {
        var x = Tensor([1, 2, 3]); x.requiresGrad = true
        let loss = (x * x).sum()
        loss.backward(retainGraph: true)
        #expect(x.grad?.scalars == [2, 4, 6])
        loss.backward()
        #expect(x.grad?.scalars == [4, 8, 12])
    }

    /// Leaves broadcast by an op get gradients summed back to their own shape, across ops
    /// and across passes.
    @Test func leafGradientThroughBroadcasting() {
        var bias = Tensor(shape: [1, 4], scalars: [0, 0, 0, 0]); bias.requiresGrad = true
        var scale = Tensor(scalar: 2); scale.requiresGrad = true
        let x = Tensor(shape: [2, 3, 4]) { b in for i in 0..<b.count { b[i] = Float(i) } }
        let y = (x + bias) * scale
        y.sum().backward()
        #expect(bias.grad?.shape == [1, 4])
        #expect(bias.grad?.scalars == [12, 12, 12, 12])
        #expect(scale.grad?.shape == [])
        #expect(scale.grad?.item == Float((0..<24).reduce(0, +)))
        (bias * 3).sum().backward()
        #expect(bias.grad?.scalars == [15, 15, 15, 15])
    }

    /// Copies of a leaf share the gradient slot (a parameter held by a layer and by an
    /// optimizer stays one parameter).
    @Test func copiesShareGradient() {
        var w = Tensor([1, 2]); w.requiresGrad = true
        let copy = w
        (copy * 5).sum().backward()
        #expect(w.grad?.scalars == [5, 5])
        w.updateInPlace { $0[0] = 9 }
        #expect(copy.scalars == [9, 2])
    }

    /// An explicit seed for a non-scalar output is the vector in the vector-Jacobian product.
    @Test func explicitSeed() {
        var x = Tensor([1, 2, 3]); x.requiresGrad = true
        let y = x * x
        y.backward(Tensor([1, 0, -1]))
        #expect(x.grad?.scalars == [2, 0, -6])
    }

    /// A deep chain is walked without recursion.
    @Test func deepChain() {
        var x = Tensor([1]); x.requiresGrad = true
        var y = x
        for _ in 0..<20_000 { y = y + 1e-4 }
        y.sum().backward()
        #expect(x.grad?.scalars == [1])
    }
}
