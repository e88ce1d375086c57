import Foundation

/// Cross-entropy from logits, as `torch.nn.functional.cross_entropy` with class-index
/// targets: a fused log-softmax + negative log-likelihood with its own backward rule.
///
/// For sample i with target y (logits `x` of shape [N, C], `log p = log_softmax(x)`,
/// class weights `w`, all 1 when none are given, smoothing ε):
///
///     ℓ_i = (1 - ε) · w_y · (-log p_{i,y})  +  (ε / C) · Σ_c w_c · (-log p_{i,c})
///
/// Samples whose target equals `ignoreIndex` contribute 0 and do not count. `.mean`
/// divides Σ ℓ_i by Σ w_{y_i} over the counted samples (the number of counted samples
/// when unweighted), which is how PyTorch combines weights, smoothing and
/// `ignore_index`; when every sample is ignored the mean is NaN, as in PyTorch.
///
/// Gradient with respect to the logits (p = softmax(x), W = Σ_c w_c, s_i the upstream
/// factor of sample i: the gradient itself for `.sum`/`.none`, divided by Σ w_y for `.mean`):
///
///     ∂/∂x_{i,c} = s_i [ (1 - ε) w_y (p_c - [c = y]) + (ε / C)(W p_c - w_c) ]
///
/// Class weights receive no gradient.
///
/// ```swift
/// let loss = try CrossEntropyLoss(labelSmoothing: 0.1)(logits, targets: labels)
/// loss.backward()
/// ```
public struct CrossEntropyLoss: Sendable {
    /// Per-class weights, shape [C], or nil for equal weights.
    public var classWeights: Tensor?
    /// Target value that marks a sample to skip.
    public var ignoreIndex: Int
    /// ε in [0, 1]: the target distribution is (1 - ε) one-hot + ε / C uniform.
    public var labelSmoothing: Float
    /// How the per-sample losses combine.
    public var reduction: LossReduction

    public init(
        classWeights: Tensor? = nil, ignoreIndex: Int = -100,
        labelSmoothing: Float = 0, reduction: LossReduction = .mean
    ) {
        self.classWeights = classWeights
        self.ignoreIndex = ignoreIndex
        self.labelSmoothing = labelSmoothing
        self.reduction = reduction
    }

    /// The loss of `logits` [N, C] against class indices `targets` (N values in `0..<C`
    /// or `ignoreIndex`). Returns a scalar for `.mean`/`.sum`, shape [N] for `.none`.
    public func callAsFunction(_ logits: Tensor, targets: [Int]) throws -> Tensor {
        guard logits.rank == 2 else {
            throw LossError("CrossEntropyLoss: logits must be [samples, classes], got shape \(logits.shape); reshape token- or pixel-level logits to 2-D first")
        }
        let samples = logits.shape[0], classes = logits.shape[1]
        guard targets.count == samples else {
            throw LossError("CrossEntropyLoss: \(targets.count) targets for \(samples) rows of logits \(logits.shape)")
        }
        guard classes > 0 else { throw LossError("CrossEntropyLoss: logits \(logits.shape) have no classes") }
        if let bad = targets.firstIndex(where: { $0 != ignoreIndex && ($0 < 0 || $0 >= classes) }) {
            throw LossError("CrossEntropyLoss: target \(targets[bad]) of sample \(bad) is outside 0..<\(classes) and is not the ignore index \(ignoreIndex)")
        }
        guard labelSmoothing >= 0 && labelSmoothing <= 1 else {
            throw LossError("CrossEntropyLoss: label smoothing \(labelSmoothing) is outside [0, 1]")
        }
        var weights = [Float](repeating: 1, count: classes)
        if let classWeights {
            guard classWeights.shape == [classes] else {
                throw LossError("CrossEntropyLoss: class weights have shape \(classWeights.shape), expected [\(classes)] to match logits \(logits.shape)")
            }
            weights = classWeights.scalars
        }
        return Self.fused(
            logits: logits, targets: targets, weights: weights, ignoreIndex: ignoreIndex,
            smoothing: labelSmoothing, reduction: reduction)
    }

    /// Forward pass and backward rule of the fused kernel; inputs are already validated.
    static func fused(
        logits: Tensor, targets: [Int], weights: [Float], ignoreIndex: Int,
        smoothing: Float, reduction: LossReduction
    ) -> Tensor {
        let samples = logits.shape[0], classes = logits.shape[1]
        let totalWeight = weights.reduce(0, +)
        let hardShare = 1 - smoothing
        let smoothShare = smoothing / Float(classes)
        // log Σ_c e^{x_c} per row, kept for the backward pass.
        var logSumExp = [Float](repeating: 0, count: samples)
        var perSample = [Float](repeating: 0, count: samples)
        let source = logits.storage.pointer
        logSumExp.withUnsafeMutableBufferPointer { lse in
            perSample.withUnsafeMutableBufferPointer { losses in
                let lsePointer = lse.baseAddress!, lossPointer = losses.baseAddress!
                Parallel.forEachChunk(samples, costPerItem: classes * 8) { rows in
                    for i in rows {
                        let row = source + i * classes
                        var maximum = -Float.infinity
                        for c in 0..<classes { maximum = Swift.max(maximum, row[c]) }
                        if maximum == -.infinity { maximum = 0 }
                        var total: Float = 0
                        for c in 0..<classes { total += Foundation.exp(row[c] - maximum) }
                        let rowLogSumExp = maximum + Foundation.log(total)
                        lsePointer[i] = rowLogSumExp
                        let target = targets[i]
                        if target == ignoreIndex { lossPointer[i] = 0; continue }
                        var loss = hardShare * weights[target] * (rowLogSumExp - row[target])
                        if smoothShare != 0 {
                            var smoothed: Float = 0
                            for c in 0..<classes { smoothed += weights[c] * (rowLogSumExp - row[c]) }
                            loss += smoothShare * smoothed
                        }
                        lossPointer[i] = loss
                    }
                }
            }
        }
        var denominator: Double = 0
        for target in targets where target != ignoreIndex { denominator += Double(weights[target]) }
        let output: Tensor
        switch reduction {
        case .none:
            output = Tensor(shape: [samples], scalars: perSample)
        case .sum:
            output = Tensor(scalar: Float(perSample.reduce(0.0) { $0 + Double($1) }))
        case .mean:
            output = Tensor(scalar: Float(perSample.reduce(0.0) { $0 + Double($1) } / denominator))
        }
        let savedLogSumExp = logSumExp
        return Tensor.recording(output, inputs: [logits]) { gradient in
            // Upstream factor per sample.
            var factors = [Float](repeating: 0, count: samples)
            switch reduction {
            case .none: factors = gradient.scalars
            case .sum: factors = [Float](repeating: gradient.item, count: samples)
            case .mean: factors = [Float](repeating: Float(Double(gradient.item) / denominator), count: samples)
            }
            return [Tensor(shape: logits.shape) { result in
                let source = logits.storage.pointer
                let destination = result.baseAddress!
                Parallel.forEachChunk(samples, costPerItem: classes * 8) { rows in
                    for i in rows {
                        let row = source + i * classes
                        let out = destination + i * classes
                        let target = targets[i]
                        if target == ignoreIndex {
                            for c in 0..<classes { out[c] = 0 }
                            continue
                        }
                        let factor = factors[i]
                        let hard = factor * hardShare * weights[target]
                        let smooth = factor * smoothShare
                        let lse = savedLogSumExp[i]
                        for c in 0..<classes {
                            let probability = Foundation.exp(row[c] - lse)
                            out[c] = hard * probability + smooth * (totalWeight * probability - weights[c])
                        }
                        out[target] -= hard
                    }
                }
            }]
        }
    }
}
