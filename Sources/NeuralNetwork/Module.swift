/// A layer or model that owns parameters and sub-modules, named as PyTorch names them
/// in its `state_dict`.
///
/// A conforming class lists its own tensors and its children explicitly, by the keys a
/// PyTorch checkpoint uses; every walk (parameters, buffers, state dicts, train/eval)
/// comes from the default implementations:
///
/// ```swift
/// final class Block: Module {
///     public var isTraining = true
///     let dense: Linear
///     let norm: LayerNorm
///     public var children: [(String, any Module)] { [("dense", dense), ("LayerNorm", norm)] }
/// }
/// // block.namedParameters() → ["dense.weight", "dense.bias", "LayerNorm.weight", "LayerNorm.bias"]
/// ```
///
/// Tensors are values whose copies share storage and gradient slot, so the tensors
/// these walks return are the module's own parameters: optimizers and loading update
/// them in place (`Tensor.updateInPlace`, `Tensor.assign`).
public protocol Module: AnyObject {
    /// Whether the module is in training mode (dropout active, batch statistics used).
    var isTraining: Bool { get set }
    /// This module's own trainable tensors, by key (`weight`, `bias`, `in_proj_weight`).
    var ownParameters: [(String, Tensor)] { get }
    /// This module's own non-trainable state, by key (`running_mean`).
    var ownBuffers: [(String, Tensor)] { get }
    /// Direct sub-modules, by key (`self_attn`, `layer.3` is `("layer", list)` then `"3"`).
    var children: [(String, any Module)] { get }
}

/// A module with one tensor in and one tensor out, so it can sit in a `Sequential`.
public protocol UnaryLayer: Module {
    /// The forward pass.
    func callAsFunction(_ input: Tensor) -> Tensor
}

extension Module {
    public var ownParameters: [(String, Tensor)] { [] }
    public var ownBuffers: [(String, Tensor)] { [] }
    public var children: [(String, any Module)] { [] }

    /// Every trainable tensor under this module with its dotted key
    /// (`encoder.layer.3.attention.self.query.weight`), in declaration order.
    public func namedParameters() -> [(String, Tensor)] {
        var result: [(String, Tensor)] = []
        visit(prefix: "") { prefix, module in
            for (name, tensor) in module.ownParameters { result.append((prefix + name, tensor)) }
        }
        return result
    }

    /// Every buffer (non-trainable state such as BatchNorm running statistics) under
    /// this module with its dotted key.
    public func namedBuffers() -> [(String, Tensor)] {
        var result: [(String, Tensor)] = []
        visit(prefix: "") { prefix, module in
            for (name, tensor) in module.ownBuffers { result.append((prefix + name, tensor)) }
        }
        return result
    }

    /// Every module in the tree, this one first (key ""), with its dotted key.
    public func namedModules() -> [(String, any Module)] {
        var result: [(String, any Module)] = []
        visit(prefix: "") { prefix, module in
            result.append((prefix.isEmpty ? "" : String(prefix.dropLast()), module))
        }
        return result
    }

    /// The trainable tensors, in the order of `namedParameters()`.
    public var parameters: [Tensor] { namedParameters().map(\.1) }

    /// Total number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Puts this module and all its descendants in training mode.
    public func train() { setTraining(true) }

    /// Puts this module and all its descendants in evaluation mode.
    public func eval() { setTraining(false) }

    /// Sets `isTraining` on this module and all its descendants.
    public func setTraining(_ training: Bool) {
        visit(prefix: "") { _, module in module.isTraining = training }
    }

    /// Clears the accumulated gradient of every parameter.
    public func zeroGrad() {
        for parameter in parameters { parameter.zeroGrad() }
    }

    /// Parameters and buffers by dotted key, as PyTorch's `state_dict()`. The tensors
    /// share storage with the module; copy them to keep a snapshot.
    public func stateDict() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (key, tensor) in namedParameters() + namedBuffers() { result[key] = tensor.detached() }
        return result
    }

    /// Copies `tensors` into this module's parameters and buffers, in place, by key
    /// (PyTorch's `load_state_dict`).
    ///
    /// Nothing is written unless every check passes. With `strict`, each module key must
    /// be present and each given key must be used; shapes must match either way.
    /// - Throws: `WeightLoadingError.stateDictMismatch` naming every missing and
    ///   unexpected key and every shape mismatch (key, expected and found shapes).
    public func loadStateDict(_ tensors: [String: Tensor], strict: Bool = true) throws {
        let own = namedParameters() + namedBuffers()
        var missing: [String] = []
        var mismatched: [ShapeMismatch] = []
        var writes: [(Tensor, Tensor)] = []
        for (key, target) in own {
            guard let source = tensors[key] else {
                missing.append(key)
                continue
            }
            if source.shape != target.shape {
                mismatched.append(ShapeMismatch(key: key, expected: target.shape, found: source.shape))
            } else {
                writes.append((target, source))
            }
        }
        let ownKeys = Set(own.map(\.0))
        let unexpected = tensors.keys.filter { !ownKeys.contains($0) }.sorted()
        if !mismatched.isEmpty || (strict && (!missing.isEmpty || !unexpected.isEmpty)) {
            throw WeightLoadingError.stateDictMismatch(
                missing: strict ? missing : [], unexpected: strict ? unexpected : [], shapeMismatches: mismatched)
        }
        for (target, source) in writes { target.assign(source) }
    }

    /// Depth-first walk: `body(prefix, module)` where `prefix` is the module's dotted key
    /// followed by "." (empty for the root).
    func visit(prefix: String, _ body: (String, any Module) -> Void) {
        body(prefix, self)
        for (name, child) in children { child.visit(prefix: prefix + name + ".", body) }
    }
}
