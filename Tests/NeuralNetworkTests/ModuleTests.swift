import Testing
@testable import NeuralNetwork

/// A two-level model with a list of blocks, to check dotted keys, mode propagation and
/// loading errors.
private final class Block: Module {
    var isTraining = true
    let dense: Linear
    let norm: LayerNorm
    let dropout: Dropout
    init(generator: inout RandomGenerator) {
        dense = Linear(inputSize: 3, outputSize: 3, generator: &generator)
        norm = LayerNorm(dimension: 3)
        dropout = Dropout(probability: 0.5, seed: 1)
    }
    var children: [(String, any Module)] { [("dense", dense), ("LayerNorm", norm), ("dropout", dropout)] }
}

private final class Model: Module {
    var isTraining = true
    let embeddings: Embedding
    let layers: ModuleList<Block>
    let statistics: BatchNorm
    init(generator: inout RandomGenerator) {
        embeddings = Embedding(count: 5, dimension: 3, generator: &generator)
        layers = ModuleList([Block(generator: &generator), Block(generator: &generator)])
        statistics = BatchNorm(channelCount: 3)
    }
    var children: [(String, any Module)] { [("embeddings", embeddings), ("layer", layers), ("statistics", statistics)] }
}

/// Module parameter walking, state dicts, train/eval and WeightScope loading errors.
@Suite struct ModuleTests {
    @Test func namedParametersUseDottedTorchKeys() {
        var generator = RandomGenerator(seed: 0)
        let model = Model(generator: &generator)
        #expect(model.namedParameters().map(\.0) == [
            "embeddings.weight",
            "layer.0.dense.weight", "layer.0.dense.bias", "layer.0.LayerNorm.weight", "layer.0.LayerNorm.bias",
            "layer.1.dense.weight", "layer.1.dense.bias", "layer.1.LayerNorm.weight", "layer.1.LayerNorm.bias",
            "statistics.weight", "statistics.bias",
        ])
        #expect(model.namedBuffers().map(\.0) == [
            "statistics.running_mean", "statistics.running_var", "statistics.num_batches_tracked",
        ])
        #expect(model.parameterCount == 15 + 2 * (9 + 3 + 6) + 6)
        #expect(Set(model.stateDict().keys).count == 11 + 3)
        #expect(model.namedModules().map(\.0).contains("layer.1.dropout"))
    }

    @Test func trainAndEvalReachEveryDescendant() {
        var generator = RandomGenerator(seed: 0)
        let model = Model(generator: &generator)
        model.eval()
        #expect(model.namedModules().allSatisfy { !$0.1.isTraining })
        #expect(!model.layers[1].dropout.isTraining)
        model.train()
        #expect(model.namedModules().allSatisfy { $0.1.isTraining })
    }

    @Test func parametersShareStorageAndGradientWithTheLayer() {
        var generator = RandomGenerator(seed: 0)
        let model = Model(generator: &generator)
        let weight = model.namedParameters().first { $0.0 == "layer.1.dense.weight" }?.1
        weight?.updateInPlace { $0[0] = 42 }
        #expect(model.layers[1].dense.weight[0, 0] == 42)
        let loss = model.layers[1].dense(Tensor.ones([2, 3])).sum()
        loss.backward()
        #expect(weight?.grad?.scalars == [Float](repeating: 2, count: 9))
        model.zeroGrad()
        #expect(model.layers[1].dense.weight.grad == nil)
    }

    @Test func stateDictRoundTripsIntoAnotherModel() throws {
        var generator = RandomGenerator(seed: 0)
        let source = Model(generator: &generator)
        let target = Model(generator: &generator)
        #expect(source.layers[0].dense.weight.scalars != target.layers[0].dense.weight.scalars)
        let snapshot = source.stateDict().mapValues { $0.copy() }
        try target.loadStateDict(snapshot)
        for ((key, a), (_, b)) in zip(source.namedParameters(), target.namedParameters()) {
            #expect(a.scalars == b.scalars, "\(key)")
        }
        // Loading writes in place: the layer keeps its leaf.
        #expect(target.layers[0].dense.weight.requiresGrad)
    }

    @Test func loadStateDictNamesMissingUnexpectedAndMisshapedKeys() throws {
        var generator = RandomGenerator(seed: 0)
        let model = Model(generator: &generator)
        var tensors = model.stateDict().mapValues { $0.copy() }
        tensors["layer.1.dense.bias"] = nil
        tensors["layer.0.dense.weight"] = Tensor.zeros([3, 4])
        tensors["pooler.dense.weight"] = Tensor.zeros([3, 3])
        let before = model.layers[0].snapshot
        do {
            try model.loadStateDict(tensors)
            Issue.record("loadStateDict accepted a mismatching state dict")
        } catch let error as WeightLoadingError {
            #expect(error == .stateDictMismatch(
                missing: ["layer.1.dense.bias"], unexpected: ["pooler.dense.weight"],
                shapeMismatches: [ShapeMismatch(key: "layer.0.dense.weight", expected: [3, 3], found: [3, 4])]))
            let message = error.description
            #expect(message.contains("layer.1.dense.bias") && message.contains("pooler.dense.weight")
                    && message.contains("[3, 4]") && message.contains("[3, 3]"))
        }
        // Nothing was written.
        #expect(model.layers[0].snapshot == before)

        // Non-strict loading skips missing and unexpected keys but still rejects bad shapes.
        tensors["layer.0.dense.weight"] = Tensor.zeros([3, 3])
        tensors["layer.0.LayerNorm.weight"] = Tensor([7, 8, 9])
        try model.loadStateDict(tensors, strict: false)
        #expect(model.layers[0].norm.weight?.scalars == [7, 8, 9])
    }

    @Test func weightScopeBuildsDottedKeysAndReportsErrors() throws {
        let tensors: [String: Tensor] = [
            "encoder.layer.0.query.weight": Tensor.ones([2, 2]),
            "encoder.layer.0.query.bias": Tensor.zeros([2]),
            "encoder.layer.1.query.weight": Tensor.ones([2, 2]),
            "embeddings.position_ids": Tensor.zeros([4]),
        ]
        let root = WeightScope(tensors)
        let layer0 = root.scoped("encoder").scoped("layer").scoped(0).scoped("query")
        #expect(layer0.prefix == "encoder.layer.0.query")
        #expect(layer0.key("weight") == "encoder.layer.0.query.weight")
        #expect(root.scoped("encoder.layer").keys.count == 3)
        let dense = try Linear(weights: layer0, inputSize: 2, outputSize: 2)
        #expect(dense.weight.scalars == [1, 1, 1, 1])

        #expect(throws: WeightLoadingError.shapeMismatch(key: "encoder.layer.1.query.weight", expected: [3, 2], found: [2, 2])) {
            try root.scoped("encoder.layer.1.query").tensor("weight", shape: [3, 2])
        }
        do {
            _ = try root.scoped("encoder.layer.1.query").tensor("bias", shape: [2])
            Issue.record("missing key accepted")
        } catch let WeightLoadingError.missingKey(key, closest) {
            #expect(key == "encoder.layer.1.query.bias")
            #expect(closest.first == "encoder.layer.0.query.bias")
        }

        // The used-key record is shared by every scope of the root.
        #expect(throws: WeightLoadingError.unusedKeys(["embeddings.position_ids"])) {
            try root.verifyAllUsed()
        }
        try layer0.verifyAllUsed(allowing: ["*.position_ids"])
    }

    @Test func loadedTensorsAreIndependentCopies() throws {
        let source = Tensor([1, 2, 3])
        let weights = WeightScope(["weight": source, "bias": Tensor([0, 0, 0])])
        let norm = try LayerNorm(weights: weights, dimension: 3)
        norm.weight?.updateInPlace { $0[0] = 5 }
        #expect(source.scalars == [1, 2, 3])
        #expect(norm.weight?.requiresGrad == true)
    }

    @Test func lazySourceIsAskedOnlyForReadKeys() throws {
        nonisolated(unsafe) var requested: [String] = []
        let weights = WeightScope(keys: ["a.weight", "b.weight"]) { key in
            requested.append(key)
            return Tensor.ones([2, 2])
        }
        _ = try weights.scoped("a").tensor("weight", shape: [2, 2])
        #expect(requested == ["a.weight"])
        #expect(throws: WeightLoadingError.unusedKeys(["b.weight"])) { try weights.verifyAllUsed() }
    }
}

private extension Block {
    var snapshot: [Float] { dense.weight.scalars + (norm.weight?.scalars ?? []) }
}
