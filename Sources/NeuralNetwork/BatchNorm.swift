/// Batch normalisation over the channel axis 1, `torch.nn.BatchNorm1d` (input [N, C] or
/// [N, C, L]) and `torch.nn.BatchNorm2d` (input [N, C, H, W]):
/// y = (x - μ) / √(σ² + ε) ⊙ γ + β, per channel.
///
/// Training mode normalises with the batch mean and biased batch variance, and updates
/// the running statistics with the unbiased variance:
/// running = (1 - momentum)·running + momentum·batch (momentum nil: cumulative average
/// with factor 1/numBatchesTracked). Evaluation mode normalises with the running statistics.
///
/// Keys: `weight` (γ) and `bias` (β) [C]; buffers `running_mean`, `running_var` [C] and
/// `num_batches_tracked` [] (a float here; PyTorch stores int64).
public final class BatchNorm: UnaryLayer {
    public var isTraining = true
    /// C, the number of channels.
    public let channelCount: Int
    /// ε added to the variance.
    public let epsilon: Float
    /// Weight of the newest batch in the running statistics; nil for a cumulative average.
    public let momentum: Float?
    /// γ, [C], or nil without affine parameters.
    public let weight: Tensor?
    /// β, [C], or nil.
    public let bias: Tensor?
    /// Running mean, [C].
    public let runningMean: Tensor
    /// Running (unbiased) variance, [C].
    public let runningVariance: Tensor
    /// Number of training batches seen, [].
    public let batchesTracked: Tensor

    /// A layer with γ = 1, β = 0, running mean 0 and running variance 1 (PyTorch's defaults).
    public init(channelCount: Int, epsilon: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true) {
        self.channelCount = channelCount
        self.epsilon = epsilon
        self.momentum = momentum
        weight = affine ? Initializer.ones([channelCount]) : nil
        bias = affine ? Initializer.zeros([channelCount]) : nil
        runningMean = Tensor.zeros([channelCount])
        runningVariance = Tensor.ones([channelCount])
        batchesTracked = Tensor.zeros([])
    }

    /// A layer reading `weight`, `bias`, `running_mean`, `running_var` and (when present)
    /// `num_batches_tracked` from `weights`.
    /// - Throws: `WeightLoadingError` naming the key that is missing or mis-shaped.
    public init(weights: WeightScope, channelCount: Int, epsilon: Float = 1e-5, momentum: Float? = 0.1,
                affine: Bool = true) throws {
        self.channelCount = channelCount
        self.epsilon = epsilon
        self.momentum = momentum
        weight = affine ? try weights.tensor("weight", shape: [channelCount]) : nil
        bias = affine ? try weights.tensor("bias", shape: [channelCount]) : nil
        runningMean = try weights.buffer("running_mean", shape: [channelCount])
        runningVariance = try weights.buffer("running_var", shape: [channelCount])
        batchesTracked = weights.contains("num_batches_tracked")
            ? try weights.buffer("num_batches_tracked", shape: []) : Tensor.zeros([])
    }

    public var ownParameters: [(String, Tensor)] {
        var result: [(String, Tensor)] = []
        if let weight { result.append(("weight", weight)) }
        if let bias { result.append(("bias", bias)) }
        return result
    }

    public var ownBuffers: [(String, Tensor)] {
        [("running_mean", runningMean), ("running_var", runningVariance), ("num_batches_tracked", batchesTracked)]
    }

    /// The normalised input; [N, C, ...] → same shape.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 2 && input.shape[1] == channelCount,
                     "BatchNorm: input \(input.shape) must be [batch, \(channelCount), ...]")
        let axes = [0] + Array(2..<input.rank)
        var channelShape = [Int](repeating: 1, count: input.rank)
        channelShape[1] = channelCount
        let normalised: Tensor
        if isTraining {
            let mean = input.mean(axes: axes, keepDims: true)
            let variance = input.variance(axes: axes, keepDims: true)
            normalised = (input - mean) / (variance + epsilon).sqrt()
            updateRunningStatistics(mean: mean, variance: variance, sampleCount: input.count / channelCount)
        } else {
            let mean = runningMean.detached().reshaped(channelShape)
            let scale = 1 / (runningVariance.detached() + epsilon).sqrt()
            normalised = (input - mean) * scale.reshaped(channelShape)
        }
        var output = normalised
        if let weight { output = output * weight.reshaped(channelShape) }
        if let bias { output = output + bias.reshaped(channelShape) }
        return output
    }

    private func updateRunningStatistics(mean: Tensor, variance: Tensor, sampleCount: Int) {
        let count = batchesTracked.item + 1
        batchesTracked.updateInPlace { $0[0] = count }
        let factor = momentum ?? 1 / count
        let correction = Float(sampleCount) / Float(Swift.max(sampleCount - 1, 1))
        let batchMean = mean.scalars, batchVariance = variance.scalars
        runningMean.updateInPlace { running in
            for c in 0..<running.count { running[c] = (1 - factor) * running[c] + factor * batchMean[c] }
        }
        runningVariance.updateInPlace { running in
            for c in 0..<running.count {
                running[c] = (1 - factor) * running[c] + factor * batchVariance[c] * correction
            }
        }
    }
}
