/// A set of parameters that share a learning rate, a weight decay and a gradient scale,
/// as an entry of PyTorch's `optimizer.param_groups`.
///
/// Hyperparameters are `Double`, like Python floats, so the scalar arithmetic of an
/// update (bias corrections, `1 - lr·wd`) matches PyTorch's before it is rounded to
/// Float32.
///
/// ```swift
/// let groups = [
///     ParameterGroup(parameters: textBranch, learningRate: 1e-4, weightDecay: 0.01, name: "text"),
///     ParameterGroup(parameters: imageBranch, learningRate: 1e-3, weightDecay: 0.01,
///                    gradientScale: 0.5, name: "image"),
/// ]
/// let optimizer = try AdamW(groups)
/// ```
public struct ParameterGroup: @unchecked Sendable {
    /// The parameters: leaf tensors (`requiresGrad`) whose storage the optimizer updates
    /// in place. A parameter whose `grad` is nil at a step is left as it is.
    public var parameters: [Tensor]
    /// Current learning rate; schedules overwrite it.
    public var learningRate: Double
    /// The learning rate the group was created with; schedules scale this one.
    public var initialLearningRate: Double
    /// Weight decay: L2 added to the gradient (SGD, Adam) or decoupled (AdamW).
    public var weightDecay: Double
    /// Factor applied to every gradient of the group before the update (0.5 halves the
    /// branch's gradients; used by BMLHF's modality imbalance balancing). The stored
    /// `grad` tensors are not changed.
    public var gradientScale: Float
    /// A label for logs and error messages.
    public var name: String

    public init(
        parameters: [Tensor], learningRate: Double, weightDecay: Double = 0,
        gradientScale: Float = 1, name: String = "parameters"
    ) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.initialLearningRate = learningRate
        self.weightDecay = weightDecay
        self.gradientScale = gradientScale
        self.name = name
    }

    /// Checks the hyperparameters; `optimizer` names the caller in the message.
    func validate(for optimizer: String) throws {
        guard learningRate >= 0, learningRate.isFinite else {
            throw OptimizerError("\(optimizer): group '\(name)' has learning rate \(learningRate); it must be a finite value >= 0")
        }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw OptimizerError("\(optimizer): group '\(name)' has weight decay \(weightDecay); it must be a finite value >= 0")
        }
        guard gradientScale.isFinite else {
            throw OptimizerError("\(optimizer): group '\(name)' has gradient scale \(gradientScale); it must be finite")
        }
    }
}
