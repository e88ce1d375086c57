import FusionModels
import NeuralNetwork

// `mmfusion bench fusion-models`: one training step of BMLHF and of INFIG at their paper
// sizes, as the trainer runs it (forward, cross-entropy + auxiliary losses, backward,
// training-step hooks, Adam), on random features. bench/fusion_models_pytorch.py times
// the PyTorch references of Tests/Fixtures/generate/{bmlhf,infig}.py at the same sizes.

extension Benchmark {
    static let fusionModels = Benchmark(
        name: "fusion-models",
        summary: "training steps/s of BMLHF (weibo preset, batch 64) and INFIG (mvsa-single, batch 32, 64 tokens)",
        run: runFusionModels)
}

private func runFusionModels(options: BenchOptions) throws -> [BenchFigure] {
    var rng = RandomGenerator(seed: 0)
    var figures: [BenchFigure] = []

    func timeSteps(_ model: any FusionModel, features: [String: Tensor], batch: Int, name: String) throws {
        let labels = (0..<batch).map { _ in Int(rng.next() % 2) }
        let inputs = try ModelInputs(features: features, labels: labels)
        let optimizer = try Adam(parameters: model.parameters, learningRate: 1e-4)
        let hooks = model as? any TrainingStepHooks
        let crossEntropy = CrossEntropyLoss()
        model.train()
        var failure: Error?
        let seconds = medianSeconds(repetitions: max(3, options.repetitions / 4)) {
            do {
                optimizer.zeroGrad()
                let output = try model.forward(inputs)
                var loss = try crossEntropy(output.logits, targets: labels)
                for auxiliary in output.auxiliaryLosses.values { loss = loss + auxiliary }
                loss.backward()
                try hooks?.beforeOptimizerStep(output: output, labels: labels)
                optimizer.step()
                try hooks?.afterOptimizerStep(output: output, labels: labels)
            } catch { failure = error }
        }
        if let failure { throw failure }
        figures.append(BenchFigure(name: name, value: 1 / seconds, unit: "steps/s",
                                   detail: "parameters=\(model.parameterCount), threads=\(options.threads)"))
    }

    let bmlhfBatch = 64
    let bmlhf = try ModelRegistry.make(id: "bmlhf", preset: "weibo", seed: 0)
    try timeSteps(bmlhf, features: [
        FeatureName.textClassLayers: Tensor.randn([bmlhfBatch, 1, 768], generator: &rng),
        FeatureName.imageLogits: Tensor.randn([bmlhfBatch, 1000], generator: &rng),
        FeatureName.clipText: Tensor.randn([bmlhfBatch, 512], generator: &rng),
        FeatureName.clipImage: Tensor.randn([bmlhfBatch, 512], generator: &rng),
    ], batch: bmlhfBatch, name: "BMLHF training step (weibo preset, batch \(bmlhfBatch))")

    let infigBatch = 32, length = 64
    let infig = try ModelRegistry.make(id: "infig", preset: "mvsa-single", classes: 2, seed: 0)
    let ids = Tensor(shape: [infigBatch, length], scalars: (0..<(infigBatch * length)).map { index in
        index % length < length - (index / length) % 16 ? 5 : 0   // 0 to 15 padding tokens per post
    })
    try timeSteps(infig, features: [
        FeatureName.textLayers: Tensor.randn([infigBatch, 3, length, 768], generator: &rng),
        FeatureName.textTokenIds: ids,
        FeatureName.imageGrid: Tensor.randn([infigBatch, 49, 2048], generator: &rng),
        FeatureName.clipText: Tensor.randn([infigBatch, 512], generator: &rng),
        FeatureName.clipImage: Tensor.randn([infigBatch, 512], generator: &rng),
    ], batch: infigBatch, name: "INFIG training step (mvsa-single preset, batch \(infigBatch), \(length) tokens)")
    return figures
}
