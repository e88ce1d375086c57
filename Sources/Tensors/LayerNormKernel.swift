// Fused layer normalisation over the last dimension.

extension Tensor {
    /// y = (x - μ) / sqrt(σ² + ε) ⊙ γ + β over the last dimension (biased variance, as
    /// `torch.nn.functional.layer_norm`). `weight` and `bias` have shape [D] or are nil.
    ///
    /// Backward, with x̂ the normalised input and r = 1/sqrt(σ²+ε):
    /// dx = r (ĝ - mean(ĝ) - x̂ mean(ĝ ⊙ x̂)) where ĝ = dy ⊙ γ;
    /// dγ = Σ dy ⊙ x̂; dβ = Σ dy.
    public func layerNorm(weight: Tensor?, bias: Tensor?, epsilon: Float = 1e-5) -> Tensor {
        let d = shape[rank - 1]
        if let weight { precondition(weight.shape == [d], "layerNorm: weight \(weight.shape) for last dimension \(d) of \(shape)") }
        if let bias { precondition(bias.shape == [d], "layerNorm: bias \(bias.shape) for last dimension \(d) of \(shape)") }
        let rows = d == 0 ? 0 : count / d
        var means = [Float](repeating: 0, count: rows)
        var rstds = [Float](repeating: 0, count: rows)
        let src = storage.pointer
        let pw = weight?.storage.pointer, pb = bias?.storage.pointer
        let out = Tensor(shape: shape) { o in
            let dst = o.baseAddress!
            means.withUnsafeMutableBufferPointer { mu in
                rstds.withUnsafeMutableBufferPointer { rs in
                    Parallel.forEachChunk(rows, costPerItem: d * 4) { range in
                        for r in range {
                            let x = src + r * d, y = dst + r * d
                            var s: Float = 0
                            for i in 0..<d { s += x[i] }
                            let mean = s / Float(d)
                            var v: Float = 0
                            for i in 0..<d { let c = x[i] - mean; v += c * c }
                            let rstd = 1 / (v / Float(d) + epsilon).squareRoot()
                            mu[r] = mean
                            rs[r] = rstd
                            for i in 0..<d {
                                var value = (x[i] - mean) * rstd
                                if let pw { value *= pw[i] }
                                if let pb { value += pb[i] }
                                y[i] = value
                            }
                        }
                    }
                }
            }
        }
        let input = self
        let inputs = [self] + [weight, bias].compactMap { $0 }
        return Tensor.recording(out, inputs: inputs) { g in
            let pg = g.storage.pointer
            var dWeight = [Float](repeating: 0, count: d)
            var dBias = [Float](repeating: 0, count: d)
            let dx = Tensor(shape: input.shape) { dxb in
                let pd = dxb.baseAddress!
                for r in 0..<rows {
                    let x = src + r * d, gy = pg + r * d, dxr = pd + r * d
                    let mean = means[r], rstd = rstds[r]
                    var meanG: Float = 0, meanGX: Float = 0
                    for i in 0..<d {
                        let xhat = (x[i] - mean) * rstd
                        let gh = gy[i] * (pw?[i] ?? 1)
                        meanG += gh
                        meanGX += gh * xhat
                        dWeight[i] += gy[i] * xhat
                        dBias[i] += gy[i]
                    }
                    meanG /= Float(d)
                    meanGX /= Float(d)
                    for i in 0..<d {
                        let xhat = (x[i] - mean) * rstd
                        let gh = gy[i] * (pw?[i] ?? 1)
                        dxr[i] = rstd * (gh - meanG - xhat * meanGX)
                    }
                }
            }
            var grads: [Tensor?] = [input.requiresGrad ? dx : nil]
            if let weight { grads.append(weight.requiresGrad ? Tensor(shape: [d], scalars: dWeight) : nil) }
            if let bias { grads.append(bias.requiresGrad ? Tensor(shape: [d], scalars: dBias) : nil) }
            return grads
        }
    }
}
