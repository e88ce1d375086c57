/// How a loss combines its per-sample values, as PyTorch's `reduction` argument.
public enum LossReduction: String, Sendable, Codable, CaseIterable {
    /// The average over the samples that count (for a weighted loss: the weighted average).
    case mean
    /// The sum over the samples.
    case sum
    /// One value per sample, shaped like the batch.
    case none
}

/// A loss was called with inputs that do not fit together. The message names the
/// argument, what it holds and what was expected.
public struct LossError: Error, CustomStringConvertible, Equatable {
    /// What is wrong and how to fix it.
    public let description: String

    init(_ description: String) { self.description = description }
}
