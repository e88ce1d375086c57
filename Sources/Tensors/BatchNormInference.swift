// Batch normalisation with fixed (running) statistics over NCHW tensors, fused into one
// per-channel scale and shift.

extension Tensor {
    /// Eval-mode batch norm, as `F.batch_norm(x, mean, variance, weight, bias, training=False, eps=epsilon)`:
    ///
    /// y[n, c, h, w] = (x[n, c, h, w] − μ[c]) / √(σ²[c] + ε) · γ[c] + β[c]
    ///
    /// computed as y = x·a[c] + b[c] with a = γ/√(σ²+ε), b = β − μ·a. Input [N, C, H, W]
    /// (or [N, C]); `mean`, `variance`, `weight` (γ, nil = 1), `bias` (β, nil = 0) are [C].
    ///
    /// Backward (the statistics are constants): dx = dy·a; dγ[c] = Σ dy·(x − μ)/√(σ²+ε);
    /// dβ[c] = Σ dy.
    public func batchNorm2dInference(mean: Tensor, variance: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Float) -> Tensor {
        precondition(rank >= 2, "batchNorm2dInference: input must be [N, C, ...], got shape \(shape)")
        let channels = shape[1]
        for (name, t) in [("mean", mean), ("variance", variance), ("weight", weight), ("bias", bias)] {
            if let t { precondition(t.shape == [channels], "batchNorm2dInference: \(name) \(t.shape) must be [\(channels)] for input \(shape)") }
        }
        let n = shape[0]
        let spatial = channels == 0 || n == 0 ? 0 : count / (n * channels)
        var scale = [Float](repeating: 0, count: channels)
        var shift = [Float](repeating: 0, count: channels)
        var inverseStd = [Float](repeating: 0, count: channels)
        for c in 0..<channels {
            let r = 1 / (variance.storage.pointer[c] + epsilon).squareRoot()
            let gamma = weight?.storage.pointer[c] ?? 1
            inverseStd[c] = r
            scale[c] = gamma * r
            shift[c] = (bias?.storage.pointer[c] ?? 0) - mean.storage.pointer[c] * gamma * r
        }
        let src = storage.pointer
        let out = Tensor(shape: shape) { o in
            let dst = o.baseAddress!
            Parallel.forEachChunk(n * channels, costPerItem: spatial) { range in
                for plane in range {
                    let a = scale[plane % channels], b = shift[plane % channels]
                    let x = src + plane * spatial, y = dst + plane * spatial
                    for k in 0..<spatial { y[k] = x[k] * a + b }
                }
            }
        }
        let input = self
        let means = (0..<channels).map { mean.storage.pointer[$0] }
        let inputs = [self] + [weight, bias].compactMap { $0 }
        return Tensor.recording(out, inputs: inputs) { g in
            let pg = g.storage.pointer
            var grads: [Tensor?] = []
            grads.append(input.requiresGrad ? Tensor(shape: input.shape) { d in
                let dst = d.baseAddress!
                Parallel.forEachChunk(n * channels, costPerItem: spatial) { range in
                    for plane in range {
                        let a = scale[plane % channels]
                        let gy = pg + plane * spatial, dx = dst + plane * spatial
                        for k in 0..<spatial { dx[k] = gy[k] * a }
                    }
                }
            } : nil)
            var dGamma = [Float](repeating: 0, count: channels)
            var dBeta = [Float](repeating: 0, count: channels)
            if weight?.requiresGrad == true || bias?.requiresGrad == true {
                for plane in 0..<(n * channels) {
                    let c = plane % channels
                    let gy = pg + plane * spatial, x = src + plane * spatial
                    var sumG: Float = 0, sumGX: Float = 0
                    for k in 0..<spatial { sumG += gy[k]; sumGX += gy[k] * (x[k] - means[c]) }
                    dBeta[c] += sumG
                    dGamma[c] += sumGX * inverseStd[c]
                }
            }
            if let weight { grads.append(weight.requiresGrad ? Tensor(shape: [channels], scalars: dGamma) : nil) }
            if let bias { grads.append(bias.requiresGrad ? Tensor(shape: [channels], scalars: dBeta) : nil) }
            return grads
        }
    }
}
