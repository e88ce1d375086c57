/// A lookup table, `torch.nn.Embedding`: row `i` of `weight` is the vector of id `i`.
///
/// Shapes: ids of shape S → output S + [dimension]; `weight` is [count, dimension].
/// The backward scatters-adds into the rows that were used. Key: `weight`.
public final class Embedding: Module {
    public var isTraining = true
    /// [count, dimension].
    public let weight: Tensor

    /// Number of rows (vocabulary size).
    public var count: Int { weight.shape[0] }
    /// Length of each vector.
    public var dimension: Int { weight.shape[1] }

    /// A table with PyTorch's default initialisation N(0, 1).
    public init(count: Int, dimension: Int, generator: inout RandomGenerator) {
        weight = Initializer.normal([count, dimension], generator: &generator)
    }

    /// A table reading `weight` [count, dimension] from `weights`.
    /// - Throws: `WeightLoadingError` naming the key that is missing or mis-shaped.
    public init(weights: WeightScope, count: Int, dimension: Int) throws {
        weight = try weights.tensor("weight", shape: [count, dimension])
    }

    /// A table holding `weight` [count, dimension] (made a trainable leaf).
    public init(weight: Tensor) {
        precondition(weight.rank == 2, "Embedding: weight must be [count, dimension], got \(weight.shape)")
        self.weight = Initializer.parameter(weight)
    }

    public var ownParameters: [(String, Tensor)] { [("weight", weight)] }

    /// The vectors of `ids` (row-major, `shape.product == ids.count`), shaped
    /// `shape + [dimension]`. Every id must be in `0..<count`.
    public func callAsFunction(_ ids: [Int], shape: [Int]) -> Tensor {
        precondition(shape.reduce(1, *) == ids.count, "Embedding: \(ids.count) ids for shape \(shape)")
        if let bad = ids.first(where: { $0 < 0 || $0 >= count }) {
            preconditionFailure("Embedding: id \(bad) outside the table of \(count) rows")
        }
        return weight.indexSelect(axis: 0, ids).reshaped(shape + [dimension])
    }

    /// The vectors of a batch of equally long id sequences: [batch, length, dimension].
    public func callAsFunction(_ ids: [[Int]]) -> Tensor {
        let length = ids.first?.count ?? 0
        precondition(ids.allSatisfy { $0.count == length }, "Embedding: id rows of different lengths")
        return self(ids.flatMap { $0 }, shape: [ids.count, length])
    }
}
