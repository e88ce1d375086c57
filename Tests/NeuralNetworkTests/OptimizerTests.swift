import Foundation
import Testing
@testable import NeuralNetwork

/// SGD, Adam and AdamW trajectories, parameter groups, gradient scaling, state
/// round-trips and gradient clipping against PyTorch (Tests/Fixtures/generate/optim.py).
@Suite struct OptimizerTests {
    static let fixture = Result { try TrainingFixtureFile(area: "optim", name: "optim") }
    static let parameterNames = ["w1", "b1", "w2", "b2"]

    /// The fixture's 4 -> 8 -> 3 MLP: fresh leaf parameters with PyTorch's initial values.
    struct MultilayerPerceptron {
        let parameters: [String: Tensor]
        let inputs: Tensor
        let targets: [Int]

        init(fixture: TrainingFixtureFile, values: [String: Tensor]? = nil) throws {
            var parameters: [String: Tensor] = [:]
            for name in OptimizerTests.parameterNames {
                var parameter = try values?[name]?.copy() ?? fixture.tensor("mlp.\(name)").copy()
                parameter.requiresGrad = true
                parameters[name] = parameter
            }
            self.parameters = parameters
            inputs = try fixture.tensor("mlp.inputs")
            targets = fixture.record["targets"] as? [Int] ?? []
        }

        func parameter(_ name: String) -> Tensor { parameters[name] ?? Tensor.zeros([0]) }

        /// cross-entropy(relu(x W1ᵀ + b1) W2ᵀ + b2, targets).
        func loss() throws -> Tensor {
            let hidden = (inputs.matmul(parameter("w1"), transposeOther: true) + parameter("b1")).relu()
            let logits = hidden.matmul(parameter("w2"), transposeOther: true) + parameter("b2")
            return try CrossEntropyLoss()(logits, targets: targets)
        }

        /// The fixture's groups: encoder (w1, b1) and head (w2, b2, gradients scaled).
        func groups(_ record: [String: Any]) -> [ParameterGroup] {
            let groups = record["groups"] as? [[String: Any]] ?? []
            return groups.map { group in
                ParameterGroup(
                    parameters: (group["parameters"] as? [String] ?? []).map(parameter),
                    learningRate: group["learningRate"] as? Double ?? 0,
                    weightDecay: group["weightDecay"] as? Double ?? 0,
                    gradientScale: Float(group["gradientScale"] as? Double ?? 1),
                    name: group["name"] as? String ?? "")
            }
        }

        func snapshot() -> [String: Tensor] { parameters.mapValues { $0.copy() } }
    }

    static func run(named name: String) throws -> [String: Any] {
        let runs = try fixture.get().record["runs"] as? [[String: Any]] ?? []
        return try #require(runs.first { $0["name"] as? String == name })
    }

    static func makeOptimizer(_ run: [String: Any], groups: [ParameterGroup]) throws -> any Optimizer {
        let options = run["options"] as? [String: Any] ?? [:]
        let betas = options["betas"] as? [Double] ?? [0.9, 0.999]
        switch run["optimizer"] as? String {
        case "sgd":
            return try SGD(groups, momentum: options["momentum"] as? Double ?? 0,
                           dampening: options["dampening"] as? Double ?? 0,
                           nesterov: options["nesterov"] as? Bool ?? false)
        case "adam":
            return try Adam(groups, beta1: betas[0], beta2: betas[1], epsilon: options["eps"] as? Double ?? 1e-8,
                            amsgrad: options["amsgrad"] as? Bool ?? false)
        default:
            return try AdamW(groups, beta1: betas[0], beta2: betas[1], epsilon: options["eps"] as? Double ?? 1e-8,
                             amsgrad: options["amsgrad"] as? Bool ?? false)
        }
    }

    static func trainingStep(_ model: MultilayerPerceptron, _ optimizer: any Optimizer) throws -> Float {
        optimizer.zeroGrad()
        let loss = try model.loss()
        loss.backward()
        optimizer.step()
        return loss.item
    }

    /// Parameters after each of 5 steps. Tolerance: 1e-5 relative + 1e-7 absolute.
    @Test(arguments: ["sgd_nesterov", "sgd_dampening", "adam", "adam_amsgrad", "adamw"])
    func trajectoryMatchesPyTorch(name: String) throws {
        let fixture = try Self.fixture.get()
        let run = try Self.run(named: name)
        let model = try MultilayerPerceptron(fixture: fixture)
        let optimizer = try Self.makeOptimizer(run, groups: model.groups(fixture.record))
        let losses = run["losses"] as? [Double] ?? []
        #expect(losses.count == 5)
        for step in 1...5 {
            let loss = try Self.trainingStep(model, optimizer)
            #expect(Swift.abs(Double(loss) - losses[step - 1]) <= 1e-5 * Swift.abs(losses[step - 1]) + 1e-7,
                    "\(name) step \(step): loss \(loss), expected \(losses[step - 1])")
            for parameter in Self.parameterNames {
                expectAllClose(model.parameter(parameter), try fixture.tensor("\(name).step\(step).\(parameter)"),
                            relative: 1e-5, absolute: 1e-7, "\(name) step \(step) \(parameter)")
            }
        }
    }

    /// A gradient scale changes the update, not the stored gradient.
    @Test func gradientScaleLeavesStoredGradientUnchanged() throws {
        var parameter = Tensor([1, -2, 3])
        parameter.requiresGrad = true
        let gradient = Tensor([0.5, 0.25, -1])
        parameter.grad = gradient
        let optimizer = try SGD([ParameterGroup(parameters: [parameter], learningRate: 0.1, gradientScale: 0.5, name: "branch")])
        optimizer.step()
        let expected: [Float] = [1 - 0.1 * 0.25, -2 - 0.1 * 0.125, 3 + 0.1 * 0.5]
        #expect(parameter.scalars == expected)
        #expect(try #require(parameter.grad).scalars == [0.5, 0.25, -1])
        #expect(gradient.scalars == [0.5, 0.25, -1])
    }

    /// Three steps, save (through a safetensors file), two more steps; a fresh optimizer
    /// over the saved parameters that loads the saved state reaches bit-identical
    /// parameters, learning rates and state.
    @Test(arguments: ["sgd_nesterov", "adam_amsgrad", "adamw"])
    func resumingFromStateIsBitIdentical(name: String) throws {
        let fixture = try Self.fixture.get()
        let run = try Self.run(named: name)
        let original = try MultilayerPerceptron(fixture: fixture)
        let optimizer = try Self.makeOptimizer(run, groups: original.groups(fixture.record))
        let schedule = LearningRateSchedule.linearWarmupCosineDecay(warmupSteps: 2, totalSteps: 5)
        for step in 0..<3 {
            schedule.apply(to: optimizer, step: step)
            _ = try Self.trainingStep(original, optimizer)
        }
        let savedParameters = original.snapshot()
        let savedState = optimizer.stateDict()
        for step in 3..<5 {
            schedule.apply(to: optimizer, step: step)
            _ = try Self.trainingStep(original, optimizer)
        }

        // Through a checkpoint file, as the trainer saves it.
        let checkpoint = FileManager.default.temporaryDirectory
            .appendingPathComponent("optimizer-\(name)-\(ProcessInfo.processInfo.processIdentifier).safetensors")
        defer { try? FileManager.default.removeItem(at: checkpoint) }
        try Safetensors.write(savedState, to: checkpoint)
        let reloadedState = try SafetensorsFile(contentsOf: checkpoint).tensors()

        let resumed = try MultilayerPerceptron(fixture: fixture, values: savedParameters)
        let restored = try Self.makeOptimizer(run, groups: resumed.groups(fixture.record))
        try restored.loadStateDict(reloadedState)
        #expect(restored.parameterGroups.map(\.learningRate) == [0.05, 0.1].map {
            schedule.learningRate(atStep: 2, initial: $0)
        })
        for step in 3..<5 {
            schedule.apply(to: restored, step: step)
            _ = try Self.trainingStep(resumed, restored)
        }
        for parameter in Self.parameterNames {
            #expect(resumed.parameter(parameter).scalars == original.parameter(parameter).scalars, "\(name) \(parameter)")
        }
        let finalState = optimizer.stateDict(), resumedState = restored.stateDict()
        #expect(finalState.keys.sorted() == resumedState.keys.sorted())
        for (key, value) in finalState { #expect(resumedState[key]?.scalars == value.scalars, "\(name) \(key)") }
    }

    @Test func stateDictRecordsStepsAndExactLearningRates() throws {
        var parameter = Tensor([1, 2])
        parameter.requiresGrad = true
        var idle = Tensor([3])
        idle.requiresGrad = true
        let optimizer = try Adam([ParameterGroup(parameters: [parameter, idle], learningRate: 0.1 / 3, name: "only")])
        for _ in 0..<7 {
            parameter.grad = Tensor([0.1, -0.2])
            optimizer.step()
        }
        let state = optimizer.stateDict()
        #expect(state["state.0.0.step"]?.scalars == [0, 7])
        #expect(state["state.0.0.exp_avg"]?.shape == [2])
        #expect(state["state.0.1.step"] == nil, "a parameter without gradients has no state")
        let encoded = try #require(state["group.0.learning_rate"]).scalars
        #expect(encoded.reduce(0.0) { $0 + Double($1) } == 0.1 / 3)
    }

    @Test func loadStateDictRejectsMismatchedState() throws {
        var parameter = Tensor([1, 2])
        parameter.requiresGrad = true
        parameter.grad = Tensor([1, 1])
        let adam = try Adam(parameters: [parameter], learningRate: 0.1)
        adam.step()
        let state = adam.stateDict()

        var other = Tensor([1, 2, 3])
        other.requiresGrad = true
        let wrongShape = try Adam(parameters: [other])
        #expect(throws: OptimizerError.self) { try wrongShape.loadStateDict(state) }

        let amsgrad = try Adam(parameters: [parameter], amsgrad: true)
        #expect(throws: OptimizerError.self) { try amsgrad.loadStateDict(state) }

        let sgd = try SGD(parameters: [parameter], learningRate: 0.1, momentum: 0.9)
        #expect(throws: OptimizerError.self) { try sgd.loadStateDict(state) }

        var incomplete = state
        incomplete["state.0.0.exp_avg_sq"] = nil
        let fresh = try Adam(parameters: [parameter])
        #expect(throws: OptimizerError.self) { try fresh.loadStateDict(incomplete) }
        #expect(fresh.stateDict()["state.0.0.step"] == nil, "a failed load leaves the state unchanged")
    }

    /// A group whose parameter is swapped for one of another shape, and a group added
    /// after the first step, start from fresh state: Adam's first step moves each scalar
    /// by lr · g / (|g| + ε), about lr against the gradient's sign.
    @Test func changedGroupsStartFromFreshState() throws {
        var first = Tensor([1, 1])
        first.requiresGrad = true
        first.grad = Tensor([2, -3])
        let optimizer = try Adam([ParameterGroup(parameters: [first], learningRate: 0.1, name: "a")])
        optimizer.step()
        var replacement = Tensor([0, 0, 0])
        replacement.requiresGrad = true
        replacement.grad = Tensor([1, -1, 4])
        optimizer.parameterGroups[0].parameters = [replacement]
        var added = Tensor([5])
        added.requiresGrad = true
        added.grad = Tensor([-0.5])
        optimizer.parameterGroups.append(ParameterGroup(parameters: [added], learningRate: 0.2, name: "b"))
        optimizer.step()
        expectAllClose(replacement, Tensor([-0.1, 0.1, -0.1]), relative: 0, absolute: 1e-6, "replaced parameter")
        expectAllClose(added, Tensor([5.2]), relative: 0, absolute: 1e-6, "added group")
        #expect(optimizer.stateDict()["state.1.0.step"]?.scalars == [0, 1])
    }

    @Test func invalidHyperparametersThrow() {
        let parameter = Tensor([1])
        #expect(throws: OptimizerError.self) { try SGD(parameters: [parameter], learningRate: -1) }
        #expect(throws: OptimizerError.self) { try SGD(parameters: [parameter], learningRate: 0.1, nesterov: true) }
        #expect(throws: OptimizerError.self) { try Adam(parameters: [parameter], beta1: 1) }
        #expect(throws: OptimizerError.self) { try AdamW(parameters: [parameter], epsilon: -1) }
    }

    @Test func zeroGradClearsEveryGroup() throws {
        var first = Tensor([1]), second = Tensor([2])
        first.requiresGrad = true
        second.requiresGrad = true
        first.grad = Tensor([1])
        second.grad = Tensor([1])
        let optimizer = try SGD([
            ParameterGroup(parameters: [first], learningRate: 0.1, name: "a"),
            ParameterGroup(parameters: [second], learningRate: 0.2, name: "b"),
        ])
        optimizer.zeroGrad()
        #expect(first.grad == nil && second.grad == nil)
    }

    /// torch.nn.utils.clip_grad_norm_ for norm types 2, 1, inf and a no-op bound.
    /// Tolerance: 1e-5 relative + 1e-7 absolute.
    @Test func clipGradientNormMatchesPyTorch() throws {
        let fixture = try Self.fixture.get()
        let cases = fixture.record["clipping"] as? [[String: Any]] ?? []
        #expect(cases.count == 4)
        for record in cases {
            let originals = [try fixture.tensor("clip.grad0").copy(), try fixture.tensor("clip.grad1").copy()]
            let originalValues = originals[0].scalars
            let parameters = originals.map { gradient -> Tensor in
                var parameter = Tensor.zeros(gradient.shape)
                parameter.requiresGrad = true
                parameter.grad = gradient
                return parameter
            }
            let normType: Float = (record["normType"] as? String) == "inf" ? .infinity : Float(record["normType"] as? Double ?? 2)
            let maxNorm = Float(record["maxNorm"] as? Double ?? 0)
            let total = try clipGradientNorm(parameters, maxNorm: maxNorm, normType: normType)
            let expectedTotal = Float(record["totalNorm"] as? Double ?? 0)
            #expect(Swift.abs(total - expectedTotal) <= 1e-5 * expectedTotal, "norm \(normType): \(total) vs \(expectedTotal)")
            let clipped = record["clipped"] as? [String] ?? []
            for (parameter, expectedName) in zip(parameters, clipped) {
                expectAllClose(parameter.grad, try fixture.tensor(expectedName),
                            relative: 1e-5, absolute: 1e-7, "clip norm \(normType) max \(maxNorm)")
            }
            #expect(originals[0].scalars == originalValues, "the old gradient tensor is not modified")
        }
        #expect(throws: OptimizerError.self) { try clipGradientNorm([], maxNorm: 1, normType: 0) }
    }

    @Test func adamWDecaysTheParametersAndAdamTheGradient() throws {
        // One step with a zero gradient: Adam's L2 term still moves θ through the moments
        // (m = (1-β₁)λθ), AdamW only shrinks θ by (1 - ηλ) before a zero Adam step.
        func stepped(_ make: ([Tensor]) throws -> any Optimizer) throws -> Float {
            var parameter = Tensor([2]); parameter.requiresGrad = true
            parameter.grad = Tensor([0])
            let optimizer = try make([parameter])
            optimizer.step()
            return parameter.item
        }
        let adamW = try stepped { try AdamW(parameters: $0, learningRate: 0.1) }
        #expect(abs(adamW - 2 * (1 - 0.1 * 0.01)) < 1e-7, "AdamW's default weight decay is 0.01, decoupled")
        let adamDefault = try stepped { try Adam(parameters: $0, learningRate: 0.1) }
        #expect(adamDefault == 2, "Adam's default weight decay is 0")
        let adamL2 = try stepped { try Adam(parameters: $0, learningRate: 0.1, weightDecay: 0.01) }
        #expect(abs(adamL2 - (2 - 0.1)) < 1e-5, "coupled decay: the bias-corrected step is η·sign")
        #expect(throws: OptimizerError.self) { try AdamW(parameters: [Tensor([1])], beta1: 1.5) }
    }
}
