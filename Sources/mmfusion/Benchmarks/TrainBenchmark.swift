import Foundation
import FusionModels
import NeuralNetwork

// `mmfusion bench train [--model <id>]`: training samples/s of a registry model (default:
// every model but BMLHF and INFIG, which `bench fusion-models` times) on random
// features of the shapes it reads, with its Weibo preset where it has one (else its first
// preset, else its defaults), batch 128, AdamW, cross-entropy + its auxiliary losses.
// bench/train_pytorch.py times the same heads in PyTorch (bench/run.sh train).

extension Benchmark {
    static let train = Benchmark(
        name: "train",
        summary: "training samples/s of each registry model but bmlhf/infig (or --model) on random features, batch 128",
        run: runTrainBenchmark)
}

/// Per-sample shapes of the features `model` reads, from its configuration JSON.
/// Text sequences not fixed by the configuration are 64 tokens long; image token grids
/// not fixed by it have 49 positions.
func benchmarkFeatureShapes(_ model: any FusionModel) throws -> [String: [Int]] {
    let object = (try JSONSerialization.jsonObject(with: model.configurationJSON()) as? [String: Any]) ?? [:]
    func integer(_ key: String) -> Int? { object[key] as? Int }
    let textSize = integer("text_hidden_size") ?? 768
    let layers = integer("text_layer_count") ?? 1
    let length = integer("text_length") ?? 64
    let channels = integer("image_channels") ?? integer("image_hidden_size") ?? 2048
    let positions = integer("image_positions")
        ?? integer("image_grid_height").flatMap { height in integer("image_grid_width").map { height * $0 } } ?? 49
    let requirements = model.requirements
    var shapes: [String: [Int]] = [:]
    for name in requirements.featureNames {
        switch name {
        case FeatureName.textLayers: shapes[name] = [layers, length, textSize]
        case FeatureName.textClassLayers: shapes[name] = [layers, textSize]
        case FeatureName.textPooled: shapes[name] = [textSize]
        case FeatureName.imageGrid: shapes[name] = [positions, channels]
        case FeatureName.imagePooled: shapes[name] = [integer("image_global_size") ?? channels]
        case FeatureName.imageLogits: shapes[name] = [integer("image_global_size") ?? 1000]
        case FeatureName.textTokenIds: shapes[name] = [length]
        default: shapes[name] = [integer("clip_dimension") ?? 512]
        }
    }
    if requirements.imagePooled, (object["image_global"] as? String) == nil {
        shapes[FeatureName.imagePooled] = [channels]
    }
    return shapes
}

private func runTrainBenchmark(options: BenchOptions) throws -> [BenchFigure] {
    // BMLHF and INFIG read encoder-specific feature layouts; `bench fusion-models` times them.
    let ids = options.model.map { [$0] } ?? ModelRegistry.ids.filter { !["bmlhf", "infig"].contains($0) }
    let batch = 128
    var figures: [BenchFigure] = []
    for id in ids {
        let descriptor = try ModelRegistry.descriptor(id: id)
        let preset = descriptor.presets.first { $0.name == "weibo" } ?? descriptor.presets.first
        let model = try preset.map { try ModelRegistry.make(id: id, preset: $0.name, seed: 0) }
            ?? ModelRegistry.make(id: id, classes: 2, seed: 0)
        let classes = preset?.classCount ?? 2
        var generator = RandomGenerator(seed: 1)
        var features: [String: Tensor] = [:]
        let vocabulary = ((try? JSONSerialization.jsonObject(with: model.configurationJSON())) as? [String: Any])?["vocabulary_size"] as? Int ?? 30522
        for (name, shape) in try benchmarkFeatureShapes(model) {
            if name == FeatureName.textTokenIds {
                let count = batch * shape.reduce(1, *)
                features[name] = Tensor(shape: [batch] + shape,
                                        scalars: (0..<count).map { _ in Float(1000 + Int(generator.next() % UInt64(vocabulary - 1000))) })
            } else {
                features[name] = Tensor.randn([batch] + shape, generator: &generator)
            }
        }
        let inputs = try ModelInputs(features: features)
        let labels = (0..<batch).map { _ in Int(generator.next() % UInt64(classes)) }
        let hyperparameters = (try? JSONSerialization.jsonObject(with: model.configurationJSON()) as? [String: Any])?["training"]
            as? [String: Any]
        let optimizer = try AdamW(parameters: model.parameters,
                                  learningRate: hyperparameters?["learning_rate"] as? Double ?? 1e-4,
                                  weightDecay: hyperparameters?["weight_decay"] as? Double ?? 0.01)
        let crossEntropy = CrossEntropyLoss()
        model.train()
        var failure: Error?
        let seconds = medianSeconds(repetitions: max(3, options.repetitions / 3)) {
            optimizer.zeroGrad()
            do {
                let output = try model.forward(inputs)
                var loss = try crossEntropy(output.logits, targets: labels)
                for key in output.auxiliaryLosses.keys.sorted() {
                    if let auxiliary = output.auxiliaryLosses[key] { loss = loss + auxiliary }
                }
                loss.backward()
            } catch { failure = error }
            optimizer.step()
        }
        if let failure { throw failure }
        let shapes = try benchmarkFeatureShapes(model).sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.map(String.init).joined(separator: "x"))" }.joined(separator: " ")
        figures.append(BenchFigure(
            name: "\(id)\(preset.map { " [\($0.name)]" } ?? "") train step, batch \(batch)", value: Double(batch) / seconds,
            unit: "samples/s", detail: "parameters=\(model.parameterCount) \(shapes) threads=\(options.threads)"))
    }
    return figures
}
