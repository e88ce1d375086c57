/// Updates parameters from their gradients, like `torch.optim.Optimizer`.
///
/// A training step is: `optimizer.zeroGrad()`, forward, `loss.backward()`, optionally
/// `clipGradientNorm(...)`, `optimizer.step()`. Parameters are updated in place (every
/// copy of a parameter tensor sees the new values); gradients are read, never written.
///
/// The optimizer's buffers (momentum, moment estimates, step counts) and each group's
/// learning rates round-trip through `stateDict()` / `loadStateDict(_:)`, so a run
/// restored from a checkpoint continues bit-identically.
public protocol Optimizer: AnyObject {
    /// The parameter groups; set a group's `learningRate` to change it (schedules do).
    var parameterGroups: [ParameterGroup] { get set }

    /// Applies one update to every parameter that has a gradient.
    func step()

    /// The optimizer's state as named tensors (copies), for checkpoints. Keys:
    /// `group.<g>.learning_rate`, `group.<g>.initial_learning_rate` (shape [3]: the
    /// Double value as an exact sum of three Float32 values, the first its rounding),
    /// `state.<g>.<p>.step` (shape [2]: step = high · 2²⁴ + low, exact in Float32) and
    /// `state.<g>.<p>.<buffer>` (the parameter's shape) for parameter p of group g that
    /// has been updated at least once.
    func stateDict() -> [String: Tensor]

    /// Restores a state saved by `stateDict()` from an optimizer built over parameters of
    /// the same shapes in the same groups. Throws, naming the key, on an unknown key, a
    /// shape mismatch or a parameter with an incomplete state; on error nothing changes.
    func loadStateDict(_ state: [String: Tensor]) throws
}

extension Optimizer {
    /// Clears the gradient of every parameter (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() {
        for group in parameterGroups {
            for parameter in group.parameters { parameter.zeroGrad() }
        }
    }

    /// Sets every group's learning rate to `learningRate`.
    public func setLearningRate(_ learningRate: Double) {
        for index in parameterGroups.indices { parameterGroups[index].learningRate = learningRate }
    }
}

/// An optimizer was configured or restored with values it cannot use. The message
/// names the optimizer, the group or key, and the fix.
public struct OptimizerError: Error, CustomStringConvertible, Equatable {
    /// What is wrong and how to fix it.
    public let description: String

    init(_ description: String) { self.description = description }
}

/// Buffers of one parameter: how many updates it has had and its named tensors.
struct ParameterState {
    var step: Int
    var buffers: [String: Tensor]

    /// Whether every buffer has `shape` (false after a group's parameter was replaced by
    /// one of another shape; the optimizer then starts that parameter afresh).
    func fits(_ shape: [Int]) -> Bool { buffers.values.allSatisfy { $0.shape == shape } }
}

/// The per-parameter state of an optimizer, indexed [group][parameter], with the
/// `stateDict` encoding shared by all optimizers.
struct OptimizerState {
    /// nil until the parameter's first update.
    var parameters: [[ParameterState?]]

    init(groups: [ParameterGroup]) {
        parameters = groups.map { [ParameterState?](repeating: nil, count: $0.parameters.count) }
    }

    /// Pads or trims the table after groups or parameters were added or removed;
    /// existing entries keep their positions.
    mutating func conform(to groups: [ParameterGroup]) {
        if parameters.count > groups.count { parameters.removeLast(parameters.count - groups.count) }
        while parameters.count < groups.count { parameters.append([]) }
        for (g, group) in groups.enumerated() {
            let count = group.parameters.count
            if parameters[g].count > count { parameters[g].removeLast(parameters[g].count - count) }
            while parameters[g].count < count { parameters[g].append(nil) }
        }
    }

    /// Steps in the low part of the two-float step encoding.
    static let stepRadix = 1 << 24

    /// `value` as three Float32 values whose exact sum, taken in Double, is `value`:
    /// each holds the rounding of what the previous ones left.
    static func encode(_ value: Double) -> Tensor {
        let first = Float(value)
        let second = Float(value - Double(first))
        let third = Float(value - Double(first) - Double(second))
        return Tensor([first, second, third])
    }

    func encoded(groups: [ParameterGroup]) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (g, group) in groups.enumerated() {
            result["group.\(g).learning_rate"] = Self.encode(group.learningRate)
            result["group.\(g).initial_learning_rate"] = Self.encode(group.initialLearningRate)
            guard g < parameters.count else { continue }
            for (p, state) in parameters[g].enumerated() {
                guard let state else { continue }
                result["state.\(g).\(p).step"] = Tensor([
                    Float(state.step / Self.stepRadix), Float(state.step % Self.stepRadix),
                ])
                for (name, buffer) in state.buffers { result["state.\(g).\(p).\(name)"] = buffer.copy() }
            }
        }
        return result
    }

    /// Decodes `state` for `groups` whose parameters carry exactly `bufferNames`;
    /// returns the new per-parameter state and the groups with restored learning rates.
    static func decoded(
        _ state: [String: Tensor], groups: [ParameterGroup], bufferNames: [String], optimizer: String
    ) throws -> (OptimizerState, [ParameterGroup]) {
        var restored = OptimizerState(groups: groups)
        var newGroups = groups
        var steps: [[Int?]] = groups.map { [Int?](repeating: nil, count: $0.parameters.count) }
        var buffers: [[[String: Tensor]]] = groups.map { Array(repeating: [:], count: $0.parameters.count) }

        for key in state.keys.sorted() {
            guard let tensor = state[key] else { continue }
            let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if parts.count == 3, parts[0] == "group", let g = Int(parts[1]), groups.indices.contains(g),
               parts[2] == "learning_rate" || parts[2] == "initial_learning_rate" {
                guard tensor.shape == [3] else {
                    throw OptimizerError("\(optimizer).loadStateDict: '\(key)' has shape \(tensor.shape), expected [3]")
                }
                let value = tensor.scalars.reduce(0.0) { $0 + Double($1) }
                if parts[2] == "learning_rate" {
                    newGroups[g].learningRate = value
                } else {
                    newGroups[g].initialLearningRate = value
                }
                continue
            }
            guard parts.count == 4, parts[0] == "state", let g = Int(parts[1]), let p = Int(parts[2]),
                  groups.indices.contains(g), groups[g].parameters.indices.contains(p) else {
                throw OptimizerError("\(optimizer).loadStateDict: unexpected key '\(key)'; the state must come from an optimizer of the same kind over the same parameter groups")
            }
            let name = parts[3]
            if name == "step" {
                let values = tensor.scalars
                guard tensor.shape == [2], values.allSatisfy({ $0 >= 0 && $0 == $0.rounded() }) else {
                    throw OptimizerError("\(optimizer).loadStateDict: '\(key)' must hold two non-negative whole numbers (shape [2]), got shape \(tensor.shape)")
                }
                steps[g][p] = Int(values[0]) * stepRadix + Int(values[1])
                continue
            }
            guard bufferNames.contains(name) else {
                throw OptimizerError("\(optimizer).loadStateDict: unexpected buffer in '\(key)'; this optimizer keeps \(bufferNames.isEmpty ? "no buffers" : bufferNames.joined(separator: ", ")) (check momentum / amsgrad settings)")
            }
            let expected = groups[g].parameters[p].shape
            guard tensor.shape == expected else {
                throw OptimizerError("\(optimizer).loadStateDict: '\(key)' has shape \(tensor.shape), but parameter \(p) of group '\(groups[g].name)' has shape \(expected)")
            }
            buffers[g][p][name] = tensor.copy()
        }

        for g in groups.indices {
            for p in groups[g].parameters.indices {
                let present = buffers[g][p]
                guard let step = steps[g][p] else {
                    if let name = present.keys.sorted().first {
                        throw OptimizerError("\(optimizer).loadStateDict: 'state.\(g).\(p).\(name)' is present but 'state.\(g).\(p).step' is missing")
                    }
                    continue
                }
                for name in bufferNames where present[name] == nil {
                    throw OptimizerError("\(optimizer).loadStateDict: 'state.\(g).\(p).\(name)' is missing for a parameter that has a step count")
                }
                restored.parameters[g][p] = ParameterState(step: step, buffers: present)
            }
        }
        return (restored, newGroups)
    }
}

extension ParameterGroup {
    /// Calls `body(index, parameter, gradient)` for every parameter that has a gradient.
    func forEachParameterWithGradient(_ body: (Int, Tensor, Tensor) -> Void) {
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.grad else { continue }
            precondition(gradient.shape == parameter.shape,
                         "optimizer: gradient of shape \(gradient.shape) for parameter of shape \(parameter.shape) in group '\(name)'")
            body(index, parameter, gradient)
        }
    }
}
