/// An n-dimensional array of Float32 scalars, row-major and contiguous.
///
/// `Tensor` is a value: every op returns a new tensor, and mutation through the
/// value API copies a shared buffer first (copy-on-write). A tensor that
/// `requiresGrad` records the ops that use it, and `backward()` fills `grad` on
/// the leaves, as in PyTorch:
///
/// ```swift
/// var w = Tensor.randn([3, 2], generator: &rng); w.requiresGrad = true
/// let loss = x.matmul(w).relu().sum()
/// loss.backward()
/// print(w.grad!)
/// ```
///
/// Copies of one leaf share its storage and its gradient slot, so a parameter handed
/// to an optimizer and the same parameter held by a layer stay one parameter.
public struct Tensor: @unchecked Sendable {
    /// Extent of each dimension; `[]` for a scalar.
    public let shape: [Int]
    /// The scalars.
    public internal(set) var storage: TensorStorage
    /// Autodiff record: a leaf's gradient slot, or the op that produced this tensor.
    internal var node: AutogradNode?

    /// Wraps existing storage. `storage.count` must equal the product of `shape`.
    public init(shape: [Int], storage: TensorStorage) {
        let count = shape.reduce(1, *)
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        precondition(count == storage.count,
                     "Tensor: shape \(shape) needs \(count) scalars, storage has \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.node = nil
    }

    /// A tensor holding `scalars` in row-major order.
    public init(shape: [Int], scalars: [Float]) {
        let count = shape.reduce(1, *)
        precondition(count == scalars.count,
                     "Tensor: shape \(shape) needs \(count) scalars, got \(scalars.count)")
        let storage = TensorStorage(uninitializedCount: count)
        scalars.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { storage.pointer.update(from: base, count: count) }
        }
        self.init(shape: shape, storage: storage)
    }

    /// A 1-D tensor.
    public init(_ scalars: [Float]) { self.init(shape: [scalars.count], scalars: scalars) }

    /// A 0-D tensor.
    public init(scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    /// A tensor whose scalars are written by `fill`, which receives uninitialised memory.
    public init(shape: [Int], fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let storage = TensorStorage(uninitializedCount: shape.reduce(1, *))
        fill(storage.buffer)
        self.init(shape: shape, storage: storage)
    }

    /// A tensor of `shape` filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(count: shape.reduce(1, *), repeating: value))
    }

    /// Zeros of `shape`.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }
    /// Ones of `shape`.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }
    /// Zeros shaped like `other`.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape) }

    /// `[0, 1, ..., n-1]` as floats.
    public static func arange(_ n: Int) -> Tensor {
        Tensor(shape: [n]) { for i in 0..<n { $0[i] = Float(i) } }
    }

    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }
    /// Number of scalars.
    @inlinable public var count: Int { storage.count }
    /// The scalars in row-major order.
    public var scalars: [Float] { Array(storage.buffer) }
    /// The only scalar of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "Tensor.item: tensor of shape \(shape) has \(count) scalars")
        return storage.pointer[0]
    }

    /// Extent of dimension `axis` (negative counts from the end).
    public func size(_ axis: Int) -> Int { shape[normalizedAxis(axis)] }

    /// `axis` in `0..<rank`; negative values count from the end.
    public func normalizedAxis(_ axis: Int, op: String = "axis") -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < Swift.max(rank, 1), "\(op): axis \(axis) out of range for shape \(shape)")
        return a
    }

    /// Read-only access to the scalars.
    @inlinable public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(storage.buffer))
    }

    /// Mutable access with value semantics: copies the storage first when it is shared.
    /// The result no longer takes part in autodiff.
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = TensorStorage(copying: storage) }
        node = nil
        return try body(storage.buffer)
    }

    /// Writes `body`'s changes into the shared storage in place, visible to every copy
    /// of this tensor (PyTorch's `with torch.no_grad(): p.add_(...)`). Used by
    /// optimizers and weight loading; keeps the autodiff leaf.
    public func updateInPlace(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        try body(storage.buffer)
    }

    /// Copies `source`'s scalars into this tensor's storage in place. Shapes must match.
    public func assign(_ source: Tensor) {
        precondition(source.shape == shape, "Tensor.assign: shape \(source.shape) into \(shape)")
        storage.pointer.update(from: source.storage.pointer, count: count)
    }

    /// A tensor with its own copy of the scalars, detached from autodiff.
    public func copy() -> Tensor { Tensor(shape: shape, storage: TensorStorage(copying: storage)) }

    /// Scalar at a multi-dimensional index (slow; for tests and small reads).
    public subscript(_ index: Int...) -> Float {
        precondition(index.count == rank, "Tensor subscript: \(index.count) indices for shape \(shape)")
        var offset = 0
        for (i, (d, n)) in zip(index, shape).enumerated() {
            precondition(d >= 0 && d < n, "Tensor subscript: index \(d) out of range in dimension \(i) of \(shape)")
            offset = offset * n + d
        }
        return storage.pointer[offset]
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(preview)\(count > 8 ? ", ..." : "")])"
    }
}

/// Contiguous row-major strides for `shape`.
@inlinable public func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var s = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[i] = s
        s *= shape[i]
    }
    return strides
}
