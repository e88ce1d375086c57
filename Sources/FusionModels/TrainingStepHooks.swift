import NeuralNetwork

/// Training-time behaviour a fusion model adds around the optimizer step, which a generic
/// trainer calls for any model that conforms.
///
/// One training step of the trainer is:
/// ```
/// output = model.forward(batch)
/// loss   = crossEntropy(output.logits, labels) + Σ output.auxiliaryLosses   // aux losses come weighted
/// loss.backward()
/// try hooks.beforeOptimizerStep(output: output, labels: labels)   // e.g. scale one branch's gradients
/// clip gradients; optimizer.step()
/// try hooks.afterOptimizerStep(output: output, labels: labels)    // e.g. momentum (EMA) copies, queues
/// ```
/// State that is not a parameter but must survive a resume (queues, queue pointers,
/// momentum copies, running coefficients) goes into checkpoints through `trainingState`.
public protocol TrainingStepHooks: AnyObject {
    /// Runs after `backward()` and before gradient clipping and the optimizer step.
    func beforeOptimizerStep(output: ModelOutput, labels: [Int]) throws
    /// Runs after the optimizer step.
    func afterOptimizerStep(output: ModelOutput, labels: [Int]) throws
    /// Non-parameter state to save in a checkpoint, by name.
    func trainingState() -> [String: Tensor]
    /// Restores what `trainingState()` returned.
    /// - Throws: `FusionModelError.invalidConfiguration` when a tensor is missing or mis-shaped.
    func loadTrainingState(_ state: [String: Tensor]) throws
}
