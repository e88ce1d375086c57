import Foundation

/// Binary cross-entropy on logits, as `torch.nn.functional.binary_cross_entropy_with_logits`:
/// a numerically stable fused kernel with its own backward rule (multi-label heads,
/// binary fake-news heads with one logit).
///
/// Element-wise, with logit x, target y ∈ [0, 1], weight w and positive weight q
/// (both 1 when not given) and softplus(-x) = log(1 + e^{-x}) = -log σ(x) evaluated as
/// max(-x, 0) + log(1 + e^{-|x|}):
///
///     ℓ = w [ (1 - y) x + (1 + (q - 1) y) softplus(-x) ]
///       = -w [ q y log σ(x) + (1 - y) log(1 - σ(x)) ]
///
///     ∂ℓ/∂x = w [ (1 - y) - (1 + (q - 1) y) σ(-x) ]
///     ∂ℓ/∂y = w [ -x + (q - 1) softplus(-x) ]
///
/// `.mean` divides by the number of elements. `weight` broadcasts to the logits' shape;
/// `positiveWeight` broadcasts too (usually shape [classes], one weight per label).
/// Neither weight receives a gradient.
public struct BinaryCrossEntropyWithLogitsLoss: Sendable {
    /// Rescales each element's loss; broadcasts to the logits' shape.
    public var weight: Tensor?
    /// Weight q of the positive term; broadcasts to the logits' shape.
    public var positiveWeight: Tensor?
    /// How the element losses combine.
    public var reduction: LossReduction

    public init(weight: Tensor? = nil, positiveWeight: Tensor? = nil, reduction: LossReduction = .mean) {
        self.weight = weight
        self.positiveWeight = positiveWeight
        self.reduction = reduction
    }

    /// The loss of `logits` against `targets` of the same shape. Returns a scalar for
    /// `.mean`/`.sum`, the logits' shape for `.none`.
    public func callAsFunction(_ logits: Tensor, targets: Tensor) throws -> Tensor {
        guard targets.shape == logits.shape else {
            throw LossError("BinaryCrossEntropyWithLogitsLoss: targets have shape \(targets.shape), logits \(logits.shape); they must match")
        }
        let elementWeights = try weight.map { try Self.broadcast($0, to: logits.shape, name: "weight") }
        let positiveWeights = try positiveWeight.map { try Self.broadcast($0, to: logits.shape, name: "positive weight") }
        let count = logits.count
        let reduction = self.reduction
        let x = logits.storage.pointer, y = targets.storage.pointer
        let w = elementWeights?.storage.pointer, q = positiveWeights?.storage.pointer

        let elementLosses = Tensor(shape: logits.shape) { out in
            let destination = out.baseAddress!
            Parallel.forEachChunk(count, costPerItem: 16) { range in
                for i in range {
                    let logWeight = q.map { 1 + ($0[i] - 1) * y[i] } ?? 1
                    let loss = (1 - y[i]) * x[i] + logWeight * Self.softplusOfNegative(x[i])
                    destination[i] = w.map { $0[i] * loss } ?? loss
                }
            }
        }
        let output: Tensor
        switch reduction {
        case .none: output = elementLosses
        case .sum: output = Tensor(scalar: Self.total(elementLosses))
        case .mean: output = Tensor(scalar: Float(Double(Self.total(elementLosses)) / Double(Swift.max(count, 1))))
        }
        return Tensor.recording(output, inputs: [logits, targets]) { gradient in
            let upstream = gradient.storage.pointer
            let scale: Float = reduction == .mean ? 1 / Float(Swift.max(count, 1)) : 1
            let perElement = reduction == .none
            let x = logits.storage.pointer, y = targets.storage.pointer
            let w = elementWeights?.storage.pointer, q = positiveWeights?.storage.pointer
            let logitGradient: Tensor? = logits.requiresGrad ? Tensor(shape: logits.shape) { out in
                let destination = out.baseAddress!
                Parallel.forEachChunk(count, costPerItem: 16) { range in
                    for i in range {
                        let factor = (perElement ? upstream[i] : upstream[0] * scale) * (w?[i] ?? 1)
                        let logWeight = q.map { 1 + ($0[i] - 1) * y[i] } ?? 1
                        destination[i] = factor * ((1 - y[i]) - logWeight * Self.sigmoid(-x[i]))
                    }
                }
            } : nil
            let targetGradient: Tensor? = targets.requiresGrad ? Tensor(shape: targets.shape) { out in
                let destination = out.baseAddress!
                Parallel.forEachChunk(count, costPerItem: 16) { range in
                    for i in range {
                        let factor = (perElement ? upstream[i] : upstream[0] * scale) * (w?[i] ?? 1)
                        let positiveTerm = q.map { ($0[i] - 1) * Self.softplusOfNegative(x[i]) } ?? 0
                        destination[i] = factor * (-x[i] + positiveTerm)
                    }
                }
            } : nil
            return [logitGradient, targetGradient]
        }
    }

    /// log(1 + e^{-x}) without overflow: max(-x, 0) + log1p(e^{-|x|}).
    @inline(__always)
    static func softplusOfNegative(_ x: Float) -> Float {
        Swift.max(-x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x)))
    }

    /// σ(x) without overflow.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
        let e = Foundation.exp(x)
        return e / (1 + e)
    }

    static func total(_ tensor: Tensor) -> Float {
        var sum: Double = 0
        let pointer = tensor.storage.pointer
        for i in 0..<tensor.count { sum += Double(pointer[i]) }
        return Float(sum)
    }

    /// `tensor` repeated to `shape` (no gradient), or an error naming `name`.
    static func broadcast(_ tensor: Tensor, to shape: [Int], name: String) throws -> Tensor {
        if tensor.shape == shape { return tensor.detached() }
        let offset = shape.count - tensor.rank
        let fits = offset >= 0 && tensor.shape.enumerated().allSatisfy { index, extent in
            extent == 1 || extent == shape[index + offset]
        }
        guard fits else {
            throw LossError("BinaryCrossEntropyWithLogitsLoss: \(name) of shape \(tensor.shape) does not broadcast to the logits' shape \(shape)")
        }
        return withoutGradients { tensor.detached().expanded(to: shape) }
    }
}
