import Testing
@testable import Tensors

/// The fused multi-head attention against the same computation composed from
/// reshape / permute / matmul / softmax, forward and all three input gradients.
@Suite struct AttentionTests {
    func composed(_ q: Tensor, _ k: Tensor, _ v: Tensor, heads: Int, mask: Tensor?) -> Tensor {
        let b = q.shape[0], lq = q.shape[1], e = q.shape[2], lk = k.shape[1], dh = e / heads
        func split(_ x: Tensor, _ l: Int) -> Tensor { x.reshaped([b, l, heads, dh]).permuted([0, 2, 1, 3]) }
        var scores = split(q, lq).matmul(split(k, lk), transposeOther: true) * (1 / Float(dh).squareRoot())
        if let mask { scores = scores + mask }
        let p = scores.softmax(axis: -1)
        return p.matmul(split(v, lk)).permuted([0, 2, 1, 3]).reshaped([b, lq, e])
    }

    func maxRelativeError(_ a: Tensor, _ b: Tensor) -> Float {
        #expect(a.shape == b.shape)
        var worst: Float = 0
        for (x, y) in zip(a.scalars, b.scalars) { worst = max(worst, abs(x - y) / (abs(y) + 1e-3)) }
        return worst
    }

    @Test(arguments: [false, true])
    func matchesComposedOps(masked: Bool) {
        var rng = RandomGenerator(seed: 7)
        var q = Tensor.randn([2, 5, 12], generator: &rng); q.requiresGrad = true
        var k = Tensor.randn([2, 7, 12], generator: &rng); k.requiresGrad = true
        var v = Tensor.randn([2, 7, 12], generator: &rng); v.requiresGrad = true
        // Key padding: hide the last two keys of the second sequence.
        let mask: Tensor? = masked ? Tensor(shape: [2, 1, 1, 7], scalars: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -.infinity, -.infinity]) : nil
        let upstream = Tensor.randn([2, 5, 12], generator: &rng)

        let (fused, weights) = Tensor.multiHeadAttention(query: q, key: k, value: v, heads: 3, mask: mask,
                                                         generator: &rng, returnWeights: true)
        (fused * upstream).sum().backward()
        let (gq, gk, gv) = (q.grad!, k.grad!, v.grad!)
        q.zeroGrad(); k.zeroGrad(); v.zeroGrad()
        let reference = composed(q, k, v, heads: 3, mask: mask)
        (reference * upstream).sum().backward()

        #expect(maxRelativeError(fused, reference) < 1e-4)
        #expect(maxRelativeError(gq, q.grad!) < 1e-4)
        #expect(maxRelativeError(gk, k.grad!) < 1e-4)
        #expect(maxRelativeError(gv, v.grad!) < 1e-4)
        // Weights are probabilities; hidden keys get none.
        let w = weights!
        #expect(w.shape == [2, 3, 5, 7])
        for row in 0..<(2 * 3 * 5) {
            let s = (0..<7).map { w.scalars[row * 7 + $0] }.reduce(0, +)
            #expect(abs(s - 1) < 1e-5)
        }
        if masked { #expect(w[1, 2, 4, 6] == 0 && w[1, 0, 0, 5] == 0) }
    }

    @Test func dropoutIsConsistentBetweenForwardAndBackward() {
        var rng = RandomGenerator(seed: 3)
        var q = Tensor.randn([1, 6, 8], generator: &rng); q.requiresGrad = true
        let k = Tensor.randn([1, 4, 8], generator: &rng)
        // V holds an identity per head, so each output row is that row of dropout(P).
        var v = Tensor(shape: [1, 4, 8]) { b in
            for j in 0..<4 { for c in 0..<8 { b[j * 8 + c] = (c % 4 == j) ? 1 : 0 } }
        }
        v.requiresGrad = true
        var generator = RandomGenerator(seed: 11)
        let (out, weights) = Tensor.multiHeadAttention(query: q, key: k, value: v, heads: 2, dropout: 0.5,
                                                       generator: &generator, returnWeights: true)
        let u = Tensor.randn([1, 6, 8], generator: &rng)
        (out * u).sum().backward()
        let p = weights!
        var dropped = 0, kept = 0
        for h in 0..<2 {
            for i in 0..<6 {
                for j in 0..<4 {
                    let d = out[0, i, h * 4 + j]
                    if d == 0 { dropped += 1 } else { kept += 1; #expect(abs(d - 2 * p[0, h, i, j]) < 1e-6) }
                }
            }
        }
        #expect(dropped > 5 && kept > 5)
        // dV = dropout(P)ᵀ U with the same mask as the forward pass.
        for h in 0..<2 {
            for j in 0..<4 {
                for c in 0..<4 {
                    var expected: Float = 0
                    for i in 0..<6 { expected += out[0, i, h * 4 + j] * u[0, i, h * 4 + c] }
                    #expect(abs(v.grad![0, j, h * 4 + c] - expected) < 1e-5)
                }
            }
        }
        // The same seed gives the same masks.
        var again = RandomGenerator(seed: 11)
        let (out2, _) = Tensor.multiHeadAttention(query: q, key: k, value: v, heads: 2, dropout: 0.5, generator: &again)
        #expect(out2.scalars == out.scalars)
    }
}
