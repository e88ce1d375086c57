import NeuralNetwork

// `mmfusion bench attention`: MultiHeadAttention (in-projection, fused attention,
// out-projection) forward and forward+backward, at the shapes bench/attention_pytorch.py
// times for torch.nn.MultiheadAttention.

extension Benchmark {
    static let attention = Benchmark(
        name: "attention",
        summary: "MultiHeadAttention forward and forward+backward, calls/s",
        run: runAttention)
}

/// One benchmark shape: self-attention when `keyLength` is nil.
private struct AttentionShape {
    let name: String
    let batch: Int, queryLength: Int, keyLength: Int?, embedding: Int, heads: Int
}

private let attentionShapes = [
    AttentionShape(name: "self 8x128x768 h12", batch: 8, queryLength: 128, keyLength: nil, embedding: 768, heads: 12),
    AttentionShape(name: "cross 128x141<-49 d64 h4", batch: 128, queryLength: 141, keyLength: 49, embedding: 64, heads: 4),
]

private func runAttention(options: BenchOptions) throws -> [BenchFigure] {
    var rng = RandomGenerator(seed: 0)
    var figures: [BenchFigure] = []
    for shape in attentionShapes {
        let layer = MultiHeadAttention(embedDimension: shape.embedding, headCount: shape.heads, generator: &rng)
        layer.eval()
        let query = Tensor.randn([shape.batch, shape.queryLength, shape.embedding], generator: &rng)
        let other = shape.keyLength.map { Tensor.randn([shape.batch, $0, shape.embedding], generator: &rng) }
        func forward(_ q: Tensor, _ kv: Tensor?) -> Tensor {
            if let kv { return layer(query: q, key: kv, value: kv).output }
            return layer(q).output
        }
        let inference = medianSeconds(repetitions: options.repetitions) {
            withoutGradients { _ = forward(query, other) }
        }
        var trainable = query
        trainable.requiresGrad = true
        let training = medianSeconds(repetitions: options.repetitions) {
            layer.zeroGrad()
            forward(trainable, other).sum().backward()
        }
        figures.append(BenchFigure(name: "attention forward, \(shape.name)", value: 1 / inference, unit: "calls/s",
                                   detail: String(format: "%.2f ms", inference * 1000)))
        figures.append(BenchFigure(name: "attention forward+backward, \(shape.name)", value: 1 / training, unit: "calls/s",
                                   detail: String(format: "%.2f ms", training * 1000)))
    }
    return figures
}
