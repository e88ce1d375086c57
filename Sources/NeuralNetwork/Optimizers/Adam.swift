import Foundation

/// Adam (Kingma & Ba 2015) with L2 weight decay added to the gradient, as `torch.optim.Adam`.
///
/// Per parameter θ with gradient g (times the group's gradient scale), learning rate η,
/// weight decay λ, step t (counted per parameter from 1):
///
///     g ← g + λ θ
///     m ← m + (1 - β₁)(g - m)
///     v ← β₂ v + (1 - β₂) g²
///     v̂ ← max(v̂, v)  with AMSGrad, else v̂ = v
///     θ ← θ - η / (1 - β₁ᵗ) · m / (√v̂ / √(1 - β₂ᵗ) + ε)
///
/// ε is added outside the square root, after the bias correction, as in PyTorch.
/// For decoupled weight decay use `AdamW`.
public class Adam: Optimizer {
    public var parameterGroups: [ParameterGroup]
    /// β₁, the decay of the first moment.
    public let beta1: Double
    /// β₂, the decay of the second moment.
    public let beta2: Double
    /// ε.
    public let epsilon: Double
    /// Normalise by the running maximum of v (Reddi et al. 2018).
    public let amsgrad: Bool
    /// Whether weight decay shrinks the parameters directly (`AdamW`) instead of being
    /// added to the gradient.
    let decoupledWeightDecay: Bool
    /// The optimizer's name in error messages.
    let name: String
    var state: OptimizerState

    /// Throws when a hyperparameter is out of range (β outside [0, 1), ε < 0).
    public convenience init(
        _ groups: [ParameterGroup], beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8, amsgrad: Bool = false
    ) throws {
        try self.init(groups, beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad,
                      decoupledWeightDecay: false, name: "Adam")
    }

    /// One group, every parameter at `learningRate`.
    public convenience init(
        parameters: [Tensor], learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false
    ) throws {
        try self.init([ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
                      beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad)
    }

    /// The initialiser both variants share.
    init(
        _ groups: [ParameterGroup], beta1: Double, beta2: Double, epsilon: Double, amsgrad: Bool,
        decoupledWeightDecay: Bool, name: String
    ) throws {
        try AdamUpdate.validate(groups, beta1: beta1, beta2: beta2, epsilon: epsilon, optimizer: name)
        parameterGroups = groups
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.decoupledWeightDecay = decoupledWeightDecay
        self.name = name
        state = OptimizerState(groups: groups)
    }

    public func step() {
        AdamUpdate(beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad,
                   decoupledWeightDecay: decoupledWeightDecay)
            .apply(to: parameterGroups, state: &state)
    }

    public func stateDict() -> [String: Tensor] {
        state.conform(to: parameterGroups)
        return state.encoded(groups: parameterGroups)
    }

    public func loadStateDict(_ dictionary: [String: Tensor]) throws {
        (state, parameterGroups) = try OptimizerState.decoded(
            dictionary, groups: parameterGroups, bufferNames: AdamUpdate.bufferNames(amsgrad: amsgrad),
            optimizer: name)
    }
}

/// The update shared by `Adam` and `AdamW`, PyTorch's `_single_tensor_adam`.
struct AdamUpdate {
    let beta1: Double
    let beta2: Double
    let epsilon: Double
    let amsgrad: Bool
    /// AdamW: θ ← θ (1 - η λ) before the step instead of adding λ θ to the gradient.
    let decoupledWeightDecay: Bool

    static func bufferNames(amsgrad: Bool) -> [String] {
        amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"]
    }

    static func validate(_ groups: [ParameterGroup], beta1: Double, beta2: Double, epsilon: Double, optimizer: String) throws {
        for group in groups { try group.validate(for: optimizer) }
        guard beta1 >= 0 && beta1 < 1 else { throw OptimizerError("\(optimizer): beta1 \(beta1) must be in [0, 1)") }
        guard beta2 >= 0 && beta2 < 1 else { throw OptimizerError("\(optimizer): beta2 \(beta2) must be in [0, 1)") }
        guard epsilon >= 0, epsilon.isFinite else { throw OptimizerError("\(optimizer): epsilon \(epsilon) must be a finite value >= 0") }
    }

    func apply(to groups: [ParameterGroup], state: inout OptimizerState) {
        state.conform(to: groups)
        // Scalars are computed in Double (Python floats) and rounded once, as PyTorch does.
        let firstShare = Float(1 - beta1)
        let secondDecay = Float(beta2)
        let secondShare = Float(1 - beta2)
        let epsilon = Float(self.epsilon)
        let amsgrad = self.amsgrad
        let names = Self.bufferNames(amsgrad: amsgrad)
        for (g, group) in groups.enumerated() {
            let decay = Float(group.weightDecay)
            let coupledDecay = decoupledWeightDecay ? 0 : decay
            let shrink = Float(1 - group.learningRate * group.weightDecay)
            let shrinks = decoupledWeightDecay && group.weightDecay != 0
            let scale = group.gradientScale
            group.forEachParameterWithGradient { p, parameter, gradient in
                var parameterState = state.parameters[g][p].flatMap { $0.fits(parameter.shape) ? $0 : nil }
                    ?? ParameterState(step: 0, buffers: Dictionary(uniqueKeysWithValues: names.map { ($0, Tensor.zeros(parameter.shape)) }))
                parameterState.step += 1
                let t = Double(parameterState.step)
                let biasCorrection1 = 1 - Foundation.pow(beta1, t)
                let biasCorrection2 = 1 - Foundation.pow(beta2, t)
                let negativeStepSize = Float(-(group.learningRate / biasCorrection1))
                let biasCorrection2Root = Float(biasCorrection2.squareRoot())
                let gradients = gradient.storage.pointer
                guard let first = parameterState.buffers["exp_avg"]?.storage.pointer,
                      let second = parameterState.buffers["exp_avg_sq"]?.storage.pointer else { return }
                let maximum = parameterState.buffers["max_exp_avg_sq"]?.storage.pointer
                parameter.updateInPlace { values in
                    let theta = values.baseAddress!
                    Parallel.forEachChunk(values.count, costPerItem: 16) { range in
                        for i in range {
                            var g = scale == 1 ? gradients[i] : gradients[i] * scale
                            if shrinks { theta[i] = theta[i] * shrink }
                            if coupledDecay != 0 { g = g + coupledDecay * theta[i] }
                            // torch.lerp(m, g, w) with w < 0.5: m + w (g - m).
                            let m = firstShare < 0.5
                                ? first[i] + firstShare * (g - first[i])
                                : g - (g - first[i]) * (1 - firstShare)
                            first[i] = m
                            let v = second[i] * secondDecay + secondShare * g * g
                            second[i] = v
                            var normaliser = v
                            if let maximum {
                                normaliser = Swift.max(maximum[i], v)
                                maximum[i] = normaliser
                            }
                            let denominator = normaliser.squareRoot() / biasCorrection2Root + epsilon
                            theta[i] = theta[i] + negativeStepSize * m / denominator
                        }
                    }
                }
                state.parameters[g][p] = parameterState
            }
        }
    }
}
