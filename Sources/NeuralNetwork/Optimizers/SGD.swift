/// Stochastic gradient descent with momentum, as `torch.optim.SGD`.
///
/// Per parameter θ with gradient g (times the group's gradient scale), learning rate η,
/// weight decay λ, momentum μ, dampening τ:
///
///     g ← g + λ θ
///     b ← g                        at the parameter's first update
///     b ← μ b + (1 - τ) g          afterwards
///     g ← g + μ b  (Nesterov)   or   g ← b
///     θ ← θ - η g
///
/// With μ = 0 there is no buffer and the update is θ ← θ - η (g + λ θ).
public final class SGD: Optimizer {
    public var parameterGroups: [ParameterGroup]
    /// μ.
    public let momentum: Double
    /// τ.
    public let dampening: Double
    /// Nesterov momentum (needs μ > 0 and τ = 0).
    public let nesterov: Bool
    var state: OptimizerState

    /// Throws when a hyperparameter is out of range or Nesterov is asked for without
    /// momentum or with dampening, as PyTorch does.
    public init(_ groups: [ParameterGroup], momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false) throws {
        for group in groups { try group.validate(for: "SGD") }
        guard momentum >= 0, momentum.isFinite else {
            throw OptimizerError("SGD: momentum \(momentum) must be a finite value >= 0")
        }
        guard dampening.isFinite else { throw OptimizerError("SGD: dampening \(dampening) must be finite") }
        if nesterov && (momentum <= 0 || dampening != 0) {
            throw OptimizerError("SGD: Nesterov momentum needs momentum > 0 and dampening 0 (got momentum \(momentum), dampening \(dampening))")
        }
        parameterGroups = groups
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        state = OptimizerState(groups: groups)
    }

    /// One group, every parameter at `learningRate`.
    public convenience init(
        parameters: [Tensor], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
        weightDecay: Double = 0, nesterov: Bool = false
    ) throws {
        try self.init([ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
                      momentum: momentum, dampening: dampening, nesterov: nesterov)
    }

    var bufferNames: [String] { momentum != 0 ? ["momentum_buffer"] : [] }

    public func step() {
        state.conform(to: parameterGroups)
        let momentum = Float(self.momentum)
        let keep = Float(1 - self.dampening)
        let nesterov = self.nesterov
        let usesMomentum = self.momentum != 0
        for (g, group) in parameterGroups.enumerated() {
            let decay = Float(group.weightDecay)
            let negativeRate = Float(-group.learningRate)
            let scale = group.gradientScale
            group.forEachParameterWithGradient { p, parameter, gradient in
                var parameterState = state.parameters[g][p].flatMap { $0.fits(parameter.shape) ? $0 : nil }
                    ?? ParameterState(step: 0, buffers: [:])
                let first = parameterState.step == 0
                let buffer: Tensor? = usesMomentum
                    ? (parameterState.buffers["momentum_buffer"] ?? Tensor.zeros(parameter.shape)) : nil
                let gradients = gradient.storage.pointer
                let momentumBuffer = buffer?.storage.pointer
                parameter.updateInPlace { values in
                    let theta = values.baseAddress!
                    Parallel.forEachChunk(values.count, costPerItem: 8) { range in
                        for i in range {
                            var g = scale == 1 ? gradients[i] : gradients[i] * scale
                            if decay != 0 { g = g + decay * theta[i] }
                            if let momentumBuffer {
                                let b = first ? g : momentumBuffer[i] * momentum + keep * g
                                momentumBuffer[i] = b
                                g = nesterov ? g + momentum * b : b
                            }
                            theta[i] = theta[i] + negativeRate * g
                        }
                    }
                }
                parameterState.step += 1
                if let buffer { parameterState.buffers["momentum_buffer"] = buffer }
                state.parameters[g][p] = parameterState
            }
        }
    }

    public func stateDict() -> [String: Tensor] {
        state.conform(to: parameterGroups)
        return state.encoded(groups: parameterGroups)
    }

    public func loadStateDict(_ dictionary: [String: Tensor]) throws {
        (state, parameterGroups) = try OptimizerState.decoded(
            dictionary, groups: parameterGroups, bufferNames: bufferNames, optimizer: "SGD")
    }
}
