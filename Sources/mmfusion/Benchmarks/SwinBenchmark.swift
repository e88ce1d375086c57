import Encoders
import Tensors

/// Swin-T inference (swin_tiny_patch4_window7_224 config, random weights, batch 8 at
/// 224x224, pooled features), images/s; bench/swin_pytorch.py measures transformers'
/// `SwinModel` on the same shapes.
extension Benchmark {
    static let swinTiny = Benchmark(
        name: "swin-t", summary: "Swin-T eval forward, batch 8, 224x224, images/s", run: runSwinTiny)
}

private func runSwinTiny(options: BenchOptions) throws -> [BenchFigure] {
    let batch = 8
    let model = try SwinTransformer(config: SwinConfig(), seed: 0)
    var generator = RandomGenerator(seed: 1)
    let images = Tensor.randn([batch, 3, 224, 224], generator: &generator)
    let repetitions = max(3, options.repetitions / 2)
    let seconds = medianSeconds(repetitions: repetitions) {
        _ = model.features(images, outputs: .pooled)
    }
    return [BenchFigure(name: "Swin-T forward (window 7, pooled)", value: Double(batch) / seconds, unit: "images/s",
                        detail: "batch=\(batch) 224x224 threads=\(options.threads) median of \(repetitions)")]
}
