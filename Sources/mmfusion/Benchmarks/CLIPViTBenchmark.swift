import Encoders
import Foundation
import NeuralNetwork
import Tensors

/// CLIP ViT-B/32 image tower: 224-pixel images, 32-pixel patches (50 tokens), 12 pre-norm
/// layers of width 768, 12 heads, feed-forward 3072, quick GELU, random weights, batch 8,
/// forward only without the autodiff graph, through visual_projection.
/// bench/clip_vit_pytorch.py measures `transformers` `CLIPVisionModelWithProjection` the same way.
extension Benchmark {
    static let clipViT = Benchmark(
        name: "clip-vit", summary: "CLIP ViT-B/32 image tower forward, batch 8, images/s and GFLOP/s", run: runCLIPViT)
}

/// Multiply-adds ×2 of one ViT forward: the patch projection, per layer the four D×D
/// projections, the two feed-forward GEMMs and the two attention products, and the projection.
func visionTransformerFlops(config: CLIPVisionConfig, batch: Int, projection: Int) -> Double {
    let tokens = Double(config.gridSize * config.gridSize + 1), d = Double(config.hiddenSize)
    let i = Double(config.intermediateSize), b = Double(batch)
    let patch = 2 * b * (tokens - 1) * d * Double(config.channelCount * config.patchSize * config.patchSize)
    let perLayer = 2 * b * tokens * (4 * d * d + 2 * d * i) + 2 * 2 * b * tokens * tokens * d
    return patch + Double(config.layerCount) * perLayer + 2 * b * d * Double(projection)
}

private func runCLIPViT(options: BenchOptions) throws -> [BenchFigure] {
    let config = CLIPConfig.vitBase32
    let batch = 8
    var generator = RandomGenerator(seed: 0)
    let vision = try CLIPVisionTransformer(config: config.vision, generator: &generator)
    vision.eval()
    let projection = Linear(weight: Tensor.randn([config.projectionSize, config.vision.hiddenSize], std: 0.02,
                                                 generator: &generator), bias: nil)
    let side = config.vision.imageSize
    let pixels = Tensor.randn([batch, 3, side, side], generator: &generator)
    let repetitions = max(3, options.repetitions / 2)
    let seconds = try withoutGradients {
        var failure: (any Error)?
        let time = medianSeconds(repetitions: repetitions) {
            do { _ = projection(try vision(pixels).pooled) } catch { failure = error }
        }
        if let failure { throw failure }
        return time
    }
    let flops = visionTransformerFlops(config: config.vision, batch: batch, projection: config.projectionSize)
    let detail = "batch \(batch) x \(side)², threads=\(options.threads), median of \(repetitions), "
        + String(format: "%.1f", seconds * 1000) + " ms/batch"
    return [
        BenchFigure(name: "CLIP ViT-B/32 image forward", value: Double(batch) / seconds, unit: "images/s", detail: detail),
        BenchFigure(name: "CLIP ViT-B/32 image forward", value: flops / seconds / 1e9, unit: "GFLOP/s", detail: detail),
    ]
}
