/// Inverted dropout, `torch.nn.Dropout(p)`: in training mode each scalar is zeroed with
/// probability p and the rest are scaled by 1/(1-p); in evaluation mode it is the identity.
///
/// The layer owns a seeded generator, so a run is reproducible from its seed. Shapes: any.
public final class Dropout: UnaryLayer, RandomizedModule {
    public var isTraining = true
    /// Probability of zeroing a scalar, in [0, 1).
    public let probability: Float
    /// The generator the masks are drawn from (saved in training checkpoints).
    public var generator: RandomGenerator

    /// A dropout layer drawing its masks from a generator seeded with `seed`.
    public init(probability: Float, seed: UInt64) {
        precondition(probability >= 0 && probability < 1, "Dropout: probability \(probability) outside [0, 1)")
        self.probability = probability
        self.generator = RandomGenerator(seed: seed)
    }

    /// A dropout layer whose generator is split off `generator`.
    public convenience init(probability: Float, generator: inout RandomGenerator) {
        self.init(probability: probability, seed: generator.next())
    }

    /// The input with dropout applied (training) or unchanged (evaluation, or p = 0).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard isTraining, probability > 0 else { return input }
        return input.dropout(probability: probability, generator: &generator)
    }
}
