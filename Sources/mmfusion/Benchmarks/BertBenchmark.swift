import Encoders
import Foundation
import Tensors

/// BERT-base inference: 12 layers, width 768, 12 heads, feed-forward 3072, random
/// weights, batch 8 x 128 tokens, forward only without the autodiff graph.
/// bench/bert_pytorch.py measures `transformers` `BertModel` the same way.
extension Benchmark {
    static let bert = Benchmark(
        name: "bert", summary: "BERT-base forward, batch 8 x 128 tokens, sequences/s and GFLOP/s", run: runBert)
}

/// Multiply-adds ×2 of one BERT forward: per layer the four H×H projections, the two
/// feed-forward GEMMs and the two attention products (QKᵀ and PV), plus the pooler.
func bertForwardFlops(config: BertConfig, batch: Int, length: Int) -> Double {
    let tokens = Double(batch * length), h = Double(config.hiddenSize), i = Double(config.intermediateSize)
    let perLayer = 2 * tokens * (4 * h * h + 2 * h * i) + 2 * 2 * Double(batch) * Double(length * length) * h
    return Double(config.layerCount) * perLayer + 2 * Double(batch) * h * h
}

private func runBert(options: BenchOptions) throws -> [BenchFigure] {
    let config = BertConfig.base
    let batch = 8, length = 128
    let model = try BertModel(config: config, seed: 0)
    model.eval()
    var generator = RandomGenerator(seed: 1)
    let ids = (0..<(batch * length)).map { _ in Int(generator.next() % UInt64(config.vocabularySize)) }
    let repetitions = max(3, options.repetitions / 2)
    let seconds = try withoutGradients {
        var failure: (any Error)?
        let time = medianSeconds(repetitions: repetitions) {
            do { _ = try model(ids: ids, batch: batch, length: length) } catch { failure = error }
        }
        if let failure { throw failure }
        return time
    }
    let flops = bertForwardFlops(config: config, batch: batch, length: length)
    let detail = "batch \(batch) x \(length), threads=\(options.threads), median of \(repetitions), \(String(format: "%.1f", seconds * 1000)) ms/batch"
    return [
        BenchFigure(name: "BERT-base forward", value: Double(batch) / seconds, unit: "seq/s", detail: detail),
        BenchFigure(name: "BERT-base forward", value: flops / seconds / 1e9, unit: "GFLOP/s", detail: detail),
    ]
}
