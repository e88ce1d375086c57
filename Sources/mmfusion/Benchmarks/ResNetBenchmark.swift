import Encoders
import Tensors

/// ResNet-50 inference (random weights, batch norm folded, batch 8 at 224x224), images/s;
/// bench/resnet50_pytorch.py measures PyTorch on the same shapes.
extension Benchmark {
    static let resnet50 = Benchmark(
        name: "resnet50", summary: "ResNet-50 eval forward, batch 8, 224x224, images/s", run: runResNet50)
}

private func runResNet50(options: BenchOptions) throws -> [BenchFigure] {
    let batch = 8
    let model = try ResNet(config: ResNetConfig(depth: 50), seed: 0, batchNorm: .folded)
    var generator = RandomGenerator(seed: 1)
    let images = Tensor.randn([batch, 3, 224, 224], generator: &generator)
    let repetitions = max(3, options.repetitions / 2)
    let seconds = medianSeconds(repetitions: repetitions) {
        _ = withoutGradients { model.features(images, outputs: .logits) }
    }
    return [BenchFigure(name: "ResNet-50 forward (folded BN, NHWC)", value: Double(batch) / seconds, unit: "images/s",
                        detail: "batch=\(batch) 224x224 threads=\(options.threads) median of \(repetitions)")]
}
