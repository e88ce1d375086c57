/// Adam with decoupled weight decay (Loshchilov & Hutter 2019), as `torch.optim.AdamW`.
///
/// Before the Adam step of `Adam` (with no decay in the gradient), each parameter
/// shrinks by the group's learning rate η times its weight decay λ:
///
///     θ ← θ (1 - η λ)
///     m ← m + (1 - β₁)(g - m),  v ← β₂ v + (1 - β₂) g²,  v̂ ← max(v̂, v) with AMSGrad
///     θ ← θ - η / (1 - β₁ᵗ) · m / (√v̂ / √(1 - β₂ᵗ) + ε)
///
/// The default weight decay of the convenience initialiser is 0.01, as in PyTorch.
public final class AdamW: Optimizer {
    public var parameterGroups: [ParameterGroup]
    /// β₁, the decay of the first moment.
    public let beta1: Double
    /// β₂, the decay of the second moment.
    public let beta2: Double
    /// ε.
    public let epsilon: Double
    /// Normalise by the running maximum of v.
    public let amsgrad: Bool
    var state: OptimizerState

    /// Throws when a hyperparameter is out of range (β outside [0, 1), ε < 0).
    public init(
        _ groups: [ParameterGroup], beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8, amsgrad: Bool = false
    ) throws {
        try AdamUpdate.validate(groups, beta1: beta1, beta2: beta2, epsilon: epsilon, optimizer: "AdamW")
        parameterGroups = groups
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        state = OptimizerState(groups: groups)
    }

    /// One group, every parameter at `learningRate`.
    public convenience init(
        parameters: [Tensor], learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8, weightDecay: Double = 0.01, amsgrad: Bool = false
    ) throws {
        try self.init([ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
                      beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad)
    }

    public func step() {
        AdamUpdate(beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad, decoupledWeightDecay: true)
            .apply(to: parameterGroups, state: &state)
    }

    public func stateDict() -> [String: Tensor] {
        state.conform(to: parameterGroups)
        return state.encoded(groups: parameterGroups)
    }

    public func loadStateDict(_ dictionary: [String: Tensor]) throws {
        (state, parameterGroups) = try OptimizerState.decoded(
            dictionary, groups: parameterGroups, bufferNames: AdamUpdate.bufferNames(amsgrad: amsgrad),
            optimizer: "AdamW")
    }
}
