import Foundation

/// One vertex of the autodiff graph.
///
/// A leaf (a tensor on which `requiresGrad` was set) owns the accumulated gradient.
/// An interior node remembers its inputs' nodes and the backward rule of the op that
/// made it; the rule maps the output's gradient to one gradient per input (nil where
/// the input needs none).
final class AutogradNode {
    typealias Rule = (Tensor) -> [Tensor?]

    let inputs: [AutogradNode?]
    var rule: Rule?
    let isLeaf: Bool
    /// Accumulated gradient (leaves only).
    var grad: Tensor?
    /// Functions applied, in order, to the gradient arriving at this node.
    var hooks: [(Tensor) -> Tensor] = []

    init() {
        inputs = []
        rule = nil
        isLeaf = true
    }

    init(inputs: [AutogradNode?], rule: @escaping Rule) {
        self.inputs = inputs
        self.rule = rule
        isLeaf = false
    }
}

/// Whether ops record the autodiff graph on the current thread.
enum GradientMode {
    private static let key = "mmfusion.gradients.disabled"

    static var isEnabled: Bool {
        Thread.current.threadDictionary[key] == nil
    }

    static func withDisabled<R>(_ body: () throws -> R) rethrows -> R {
        let dictionary = Thread.current.threadDictionary
        let previous = dictionary[key]
        dictionary[key] = true
        defer { dictionary[key] = previous }
        return try body()
    }
}

/// Runs `body` without recording the autodiff graph (inference, feature extraction,
/// optimizer updates), like `torch.no_grad()`.
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try GradientMode.withDisabled(body)
}

extension Tensor {
    /// Whether this tensor takes part in autodiff. Setting it on a tensor makes it a leaf
    /// whose gradient `backward()` accumulates in `grad`.
    public var requiresGrad: Bool {
        get { node != nil }
        set {
            if newValue {
                if node == nil { node = AutogradNode() }
            } else {
                node = nil
            }
        }
    }

    /// Whether this tensor is a leaf of the graph (set by the user, not made by an op).
    public var isLeaf: Bool { node?.isLeaf ?? true }

    /// The gradient accumulated by `backward()` (leaves only).
    public var grad: Tensor? {
        get { node?.grad }
        nonmutating set { node?.grad = newValue }
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { node?.grad = nil }

    /// The same values, cut off from the graph.
    public func detached() -> Tensor {
        var copy = self
        copy.node = nil
        return copy
    }

    /// Registers `hook`, applied to each gradient that reaches this tensor before it is
    /// accumulated (leaves) or propagated (interior), like `Tensor.register_hook`.
    /// Use it to scale one branch's gradients.
    public func registerGradientHook(_ hook: @escaping (Tensor) -> Tensor) {
        precondition(node != nil, "registerGradientHook: tensor of shape \(shape) does not require grad")
        node?.hooks.append(hook)
    }

    /// Attaches the backward rule of an op to its freshly computed `output`.
    ///
    /// `rule` receives the gradient of the output and returns one gradient per input, in
    /// order, shaped like that input (nil where an input needs none). Nothing is recorded
    /// when no input requires a gradient or gradients are disabled.
    public static func recording(
        _ output: Tensor, inputs: [Tensor], rule: @escaping (Tensor) -> [Tensor?]
    ) -> Tensor {
        guard GradientMode.isEnabled, inputs.contains(where: { $0.node != nil }) else { return output }
        var result = output
        result.node = AutogradNode(inputs: inputs.map(\.node), rule: rule)
        return result
    }

    /// Back-propagates from this tensor into the `grad` of every leaf it depends on.
    ///
    /// - Parameters:
    ///   - seed: gradient of the final objective with respect to this tensor; defaults
    ///     to ones, which requires a single-element tensor unless given.
    ///   - retainGraph: keep the backward rules so `backward` can run again.
    public func backward(_ seed: Tensor? = nil, retainGraph: Bool = false) {
        guard let root = node else {
            preconditionFailure("backward: tensor of shape \(shape) does not require grad")
        }
        if seed == nil {
            precondition(count == 1, "backward: implicit seed needs a single-element tensor, got shape \(shape)")
        }
        let start = seed ?? Tensor(repeating: 1, shape: shape)
        precondition(start.shape == shape, "backward: seed shape \(start.shape) differs from \(shape)")

        // Reverse topological order by an iterative depth-first walk.
        var order: [AutogradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(AutogradNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (current, next) = stack.popLast() {
            if next < current.inputs.count {
                stack.append((current, next + 1))
                if let child = current.inputs[next], !visited.contains(ObjectIdentifier(child)) {
                    visited.insert(ObjectIdentifier(child))
                    stack.append((child, 0))
                }
            } else {
                order.append(current)
            }
        }

        withoutGradients {
            var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): start]
            for current in order.reversed() {
                guard var gradient = pending.removeValue(forKey: ObjectIdentifier(current)) else { continue }
                for hook in current.hooks { gradient = hook(gradient) }
                if current.isLeaf {
                    current.grad = current.grad.map { $0 + gradient } ?? gradient
                    continue
                }
                guard let rule = current.rule else {
                    preconditionFailure("backward: graph already freed; pass retainGraph: true to backward twice")
                }
                let inputGradients = rule(gradient)
                precondition(inputGradients.count == current.inputs.count,
                             "backward: rule returned \(inputGradients.count) gradients for \(current.inputs.count) inputs")
                for (input, inputGradient) in zip(current.inputs, inputGradients) {
                    guard let input, let inputGradient else { continue }
                    let key = ObjectIdentifier(input)
                    if let existing = pending[key] {
                        pending[key] = existing + inputGradient
                    } else {
                        pending[key] = inputGradient
                    }
                }
                if !retainGraph { current.rule = nil }
            }
        }
    }
}
