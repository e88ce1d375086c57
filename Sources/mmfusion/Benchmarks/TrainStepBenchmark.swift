import NeuralNetwork

// `mmfusion bench train-step`: one training step (forward, backward, optimizer step) of
// the two heads that bench/heads_pytorch.py times in PyTorch with the same shapes.

extension Benchmark {
    static let trainStep = Benchmark(
        name: "train-step",
        summary: "training steps/s of an HGLNet-shaped fusion head (AdamW) and a 2816-384-2 MLP head (Adam)",
        run: runTrainStep)
}

/// A post-norm cross-attention block: the query modality attends to the other one.
private final class CrossBlock: Module {
    var isTraining = true
    let attention: MultiHeadAttention
    let norm1: LayerNorm
    let linear1: Linear
    let linear2: Linear
    let norm2: LayerNorm
    let dropout: Dropout

    init(dimension d: Int, heads: Int, feedForward: Int, dropout p: Float, generator: inout RandomGenerator) {
        attention = MultiHeadAttention(embedDimension: d, headCount: heads, dropout: p, generator: &generator)
        norm1 = LayerNorm(dimension: d)
        linear1 = Linear(inputSize: d, outputSize: feedForward, generator: &generator)
        linear2 = Linear(inputSize: feedForward, outputSize: d, generator: &generator)
        norm2 = LayerNorm(dimension: d)
        dropout = Dropout(probability: p, generator: &generator)
    }

    var children: [(String, any Module)] {
        [("attn", attention), ("norm1", norm1), ("linear1", linear1), ("linear2", linear2), ("norm2", norm2)]
    }

    func callAsFunction(_ query: Tensor, _ other: Tensor) -> Tensor {
        let attended = attention(query: query, key: other, value: other).output
        let x = norm1(query + dropout(attended))
        let f = linear2(dropout(linear1(x).gelu()))
        return norm2(x + dropout(f))
    }
}

/// The benchmark's fusion head, shaped like HGLNet's on Weibo: per-layer text
/// projections LN(ReLU(E W)), an image projection, two shared cross-attention blocks per
/// direction applied to each layer pair, ReLU + mean pooling, concatenation, a classifier.
private final class FusionHead: Module {
    var isTraining = true
    let textProjections: [Linear]
    let textNorms: [LayerNorm]
    let imageProjection: Linear
    let imageNorm: LayerNorm
    let textBlocks: [CrossBlock]
    let imageBlocks: [CrossBlock]
    let classifier: Linear

    init(layers: Int = 4, textDimension: Int = 768, imageDimension: Int = 2048, d: Int = 64,
         blocks: Int = 2, classes: Int = 2, generator: inout RandomGenerator) {
        textProjections = (0..<layers).map { _ in Linear(inputSize: textDimension, outputSize: d, generator: &generator) }
        textNorms = (0..<layers).map { _ in LayerNorm(dimension: d) }
        imageProjection = Linear(inputSize: imageDimension, outputSize: d, generator: &generator)
        imageNorm = LayerNorm(dimension: d)
        textBlocks = (0..<blocks).map { _ in CrossBlock(dimension: d, heads: 4, feedForward: 4 * d, dropout: 0.1, generator: &generator) }
        imageBlocks = (0..<blocks).map { _ in CrossBlock(dimension: d, heads: 4, feedForward: 4 * d, dropout: 0.1, generator: &generator) }
        classifier = Linear(inputSize: layers * 2 * d, outputSize: classes, generator: &generator)
    }

    var children: [(String, any Module)] {
        textProjections.enumerated().map { ("text_proj.\($0.offset)", $0.element as any Module) }
            + textNorms.enumerated().map { ("text_norm.\($0.offset)", $0.element as any Module) }
            + [("image_proj", imageProjection), ("image_norm", imageNorm)]
            + textBlocks.enumerated().map { ("text_blocks.\($0.offset)", $0.element as any Module) }
            + imageBlocks.enumerated().map { ("image_blocks.\($0.offset)", $0.element as any Module) }
            + [("classifier", classifier)]
    }

    /// `textLayers`: one [B, L, 768] tensor per layer; `image`: [B, 49, 2048].
    func callAsFunction(textLayers: [Tensor], image: Tensor) -> Tensor {
        let image0 = imageNorm(imageProjection(image).relu())
        var pooled: [Tensor] = []
        for (l, layer) in textLayers.enumerated() {
            var t = textNorms[l](textProjections[l](layer).relu())
            var i = image0
            for (textBlock, imageBlock) in zip(textBlocks, imageBlocks) {
                (t, i) = (textBlock(t, i), imageBlock(i, t))
            }
            pooled += [t.relu().mean(axis: 1), i.relu().mean(axis: 1)]
        }
        return classifier(Tensor.concat(pooled, axis: 1))
    }
}

private func runTrainStep(options: BenchOptions) throws -> [BenchFigure] {
    var rng = RandomGenerator(seed: 0)
    var figures: [BenchFigure] = []
    let crossEntropy = CrossEntropyLoss()

    let batch = 128
    let head = FusionHead(generator: &rng)
    head.train()
    let optimizer = try AdamW(parameters: head.parameters, learningRate: 1e-4)
    // PyTorch's text[:, l] of a [B, 4, 141, 768] tensor; the slices are taken once here.
    let text = Tensor.randn([batch, 4, 141, 768], generator: &rng)
    let textLayers = (0..<4).map { text.slice(axis: 1, $0..<($0 + 1)).squeezed(1) }
    let image = Tensor.randn([batch, 49, 2048], generator: &rng)
    let labels = (0..<batch).map { _ in Int(rng.next() % 2) }
    var failure: Error?
    let fusionSeconds = medianSeconds(repetitions: max(3, options.repetitions / 2)) {
        optimizer.zeroGrad()
        do {
            let loss = try crossEntropy(head(textLayers: textLayers, image: image), targets: labels)
            loss.backward()
        } catch { failure = error }
        optimizer.step()
    }
    if let failure { throw failure }
    figures.append(BenchFigure(name: "fusion-head step (HGLNet-shaped, batch \(batch))", value: 1 / fusionSeconds,
                               unit: "steps/s", detail: "parameters=\(head.parameterCount), threads=\(options.threads)"))

    let mlp = Sequential(Linear(inputSize: 2816, outputSize: 384, generator: &rng), ActivationLayer(.relu),
                         Dropout(probability: 0.1, generator: &rng), Linear(inputSize: 384, outputSize: 2, generator: &rng))
    mlp.train()
    let adam = try Adam(parameters: mlp.parameters, learningRate: 1e-3)
    let x = Tensor.randn([batch, 2816], generator: &rng)
    let mlpSeconds = medianSeconds(repetitions: options.repetitions * 20) {
        adam.zeroGrad()
        do { try crossEntropy(mlp(x), targets: labels).backward() } catch { failure = error }
        adam.step()
    }
    if let failure { throw failure }
    figures.append(BenchFigure(name: "MLP-head step (2816-384-2, batch \(batch))", value: 1 / mlpSeconds,
                               unit: "steps/s", detail: "threads=\(options.threads)"))
    return figures
}
