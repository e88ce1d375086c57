import Encoders
import Foundation
import Tensors

/// DeBERTa-v3-base inference: 12 layers, width 768, 12 heads, feed-forward 3072, 256
/// relative position buckets (p2c + c2p, shared keys), random weights, batch 8 x 128 tokens,
/// forward only without the autodiff graph. bench/deberta_pytorch.py measures
/// `transformers` `DebertaV2Model` the same way.
extension Benchmark {
    static let deberta = Benchmark(
        name: "deberta", summary: "DeBERTa-v3-base forward, batch 8 x 128 tokens, sequences/s and GFLOP/s",
        run: runDeberta)
}

/// Multiply-adds ×2 of one DeBERTa forward: per layer the four H×H projections, the two
/// feed-forward GEMMs, QKᵀ and PV, the projections of the 2k relative embeddings and the
/// c2p / p2c products against all 2k of them.
func debertaForwardFlops(config: DebertaV2Config, batch: Int, length: Int) -> Double {
    let tokens = Double(batch * length), h = Double(config.hiddenSize), i = Double(config.intermediateSize)
    let span = Double(2 * config.relativeSpan)
    let terms = Double((config.usesContentToPosition ? 1 : 0) + (config.usesPositionToContent ? 1 : 0))
    let perLayer = 2 * tokens * (4 * h * h + 2 * h * i) + 2 * 2 * Double(batch) * Double(length * length) * h
        + terms * (2 * span * h * h + 2 * tokens * span * h)
    return Double(config.layerCount) * perLayer
}

private func runDeberta(options: BenchOptions) throws -> [BenchFigure] {
    let config = DebertaV2Config()
    let batch = 8, length = 128
    let model = try DebertaV2Model(config: config, seed: 0)
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
    let flops = debertaForwardFlops(config: config, batch: batch, length: length)
    let detail = "batch \(batch) x \(length), threads=\(options.threads), median of \(repetitions), \(String(format: "%.1f", seconds * 1000)) ms/batch"
    return [
        BenchFigure(name: "DeBERTa-v3-base forward", value: Double(batch) / seconds, unit: "seq/s", detail: detail),
        BenchFigure(name: "DeBERTa-v3-base forward", value: flops / seconds / 1e9, unit: "GFLOP/s", detail: detail),
    ]
}
