import Foundation

/// Learning rate as a function of the step, for each parameter group's initial
/// learning rate η₀, matching the PyTorch / transformers schedulers step for step
/// (step 0 is the first optimizer step):
///
/// - `constant`: η₀.
/// - `step(stepSize:gamma:)`: η₀ γ^⌊t / stepSize⌋ (`torch.optim.lr_scheduler.StepLR`).
/// - `cosineAnnealing(maximumSteps:minimumLearningRate:)`:
///   η_min + (η₀ - η_min)(1 + cos(π t / T_max)) / 2 (`CosineAnnealingLR`; past T_max the
///   cosine continues, rising again, as in PyTorch).
/// - `linearWarmupLinearDecay(warmupSteps:totalSteps:)`: η₀ t / W during warm-up, then
///   η₀ max(0, (T - t) / (T - W)) (transformers' `get_linear_schedule_with_warmup`).
/// - `linearWarmupCosineDecay(warmupSteps:totalSteps:cycles:)`: η₀ t / W during warm-up,
///   then η₀ max(0, (1 + cos(2π c p)) / 2) with p = (t - W) / (T - W)
///   (`get_cosine_schedule_with_warmup`; c = 0.5 decays once to 0).
///
/// Divisors are at least 1, as in those implementations.
///
/// ```swift
/// let schedule = LearningRateSchedule.linearWarmupCosineDecay(warmupSteps: 100, totalSteps: 5000)
/// for step in 0..<5000 {
///     schedule.apply(to: optimizer, step: step)
///     ... optimizer.step()
/// }
/// ```
public enum LearningRateSchedule: Sendable, Equatable, Codable {
    case constant
    case step(stepSize: Int, gamma: Double)
    case cosineAnnealing(maximumSteps: Int, minimumLearningRate: Double)
    case linearWarmupLinearDecay(warmupSteps: Int, totalSteps: Int)
    case linearWarmupCosineDecay(warmupSteps: Int, totalSteps: Int, cycles: Double = 0.5)

    /// The learning rate at `step` for a group whose initial learning rate is `initial`.
    public func learningRate(atStep step: Int, initial: Double) -> Double {
        switch self {
        case .constant:
            return initial
        case let .step(stepSize, gamma):
            return initial * Foundation.pow(gamma, Double(step / Swift.max(1, stepSize)))
        case let .cosineAnnealing(maximumSteps, minimum):
            let phase = Double.pi * Double(step) / Double(Swift.max(1, maximumSteps))
            return minimum + (initial - minimum) * (1 + Foundation.cos(phase)) / 2
        case let .linearWarmupLinearDecay(warmupSteps, totalSteps):
            if step < warmupSteps { return initial * (Double(step) / Double(Swift.max(1, warmupSteps))) }
            return initial * Swift.max(0, Double(totalSteps - step) / Double(Swift.max(1, totalSteps - warmupSteps)))
        case let .linearWarmupCosineDecay(warmupSteps, totalSteps, cycles):
            if step < warmupSteps { return initial * (Double(step) / Double(Swift.max(1, warmupSteps))) }
            let progress = Double(step - warmupSteps) / Double(Swift.max(1, totalSteps - warmupSteps))
            return initial * Swift.max(0, 0.5 * (1 + Foundation.cos(Double.pi * cycles * 2 * progress)))
        }
    }

    /// Sets every group's learning rate to its value at `step`, from the group's
    /// `initialLearningRate`.
    public func apply(to optimizer: some Optimizer, step: Int) {
        for index in optimizer.parameterGroups.indices {
            let initial = optimizer.parameterGroups[index].initialLearningRate
            optimizer.parameterGroups[index].learningRate = learningRate(atStep: step, initial: initial)
        }
    }
}
