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
///
/// It is `Adam` with the decay moved out of the gradient: state, state dicts and the
/// update code are shared.
public final class AdamW: Adam {
    /// Throws when a hyperparameter is out of range (β outside [0, 1), ε < 0).
    public convenience init(
        _ groups: [ParameterGroup], beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8, amsgrad: Bool = false
    ) throws {
        try self.init(groups, beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad,
                      decoupledWeightDecay: true, name: "AdamW")
    }

    /// One group, every parameter at `learningRate`.
    public convenience init(
        parameters: [Tensor], learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8, weightDecay: Double = 0.01, amsgrad: Bool = false
    ) throws {
        try self.init([ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
                      beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad)
    }
}
