import Tensors
import NeuralNetwork

/// The Swin Transformer (Liu et al. 2021, "Swin Transformer: Hierarchical Vision
/// Transformer using Shifted Windows", §3.1-3.2) as Hugging Face's `modeling_swin.py`
/// (`SwinModel`, `SwinForImageClassification`) computes it, with its checkpoint keys
/// (`SwinWeightNames` maps timm's onto them):
///
/// ```
/// x = LayerNorm(Conv_{p×p, stride p}(image))                      patch embedding, [B, H/p·W/p, C]
/// per stage s, per block i (shift = window/2 on odd i, else 0):
///   x = x + reverse(W-MSA(partition(roll(pad(LayerNorm₁(x)), −shift))))   window attention
///   x = x + fc2(GELU(fc1(LayerNorm₂(x))))                          MLP
/// then (all but the last stage) patch merging:
///   x = reduction(LayerNorm(concat(x[0::2,0::2], x[1::2,0::2], x[0::2,1::2], x[1::2,1::2])))
/// tokens = LayerNorm(x), pooled = mean over tokens, logits = classifier(pooled)
/// ```
/// W-MSA: per window and head, softmax(Q Kᵀ/√d + B + M) V with B the relative position
/// bias (Eq. 4) and M the shifted-window mask (−100 between tokens from different regions).
///
/// Shapes for Swin-T at 224x224: stem [N, 96, 56, 56]; stages (before merging)
/// stage1 [N, 96, 56, 56], stage2 [N, 192, 28, 28], stage3 [N, 384, 14, 14],
/// stage4 [N, 768, 7, 7]; grid tokens [N, 49, 768] (after the final norm); pooled [N, 768];
/// logits [N, 1000] when the checkpoint has a classifier.
///
/// Inference only: `features` runs without recording gradients. Images whose sides are not
/// multiples of the patch or window are padded as Hugging Face pads them; where a map's
/// shorter side is at most the window, the window shrinks to it and the shift is dropped.
///
/// ```swift
/// let model = try VisionModels.load(contentsOf: URL(fileURLWithPath: "swin-tiny-patch4-window7-224"))
/// let features = model.features(images, outputs: [.grid, .pooled])   // tokens [N, 49, 768], pooled [N, 768]
/// ```
public final class SwinTransformer: VisionBackbone {
    public var isTraining = false
    /// The architecture.
    public let config: SwinConfig
    let patchEmbedding: SwinPatchEmbedding
    let embeddingNorm: LayerNorm
    let stages: [SwinStage]
    let finalNorm: LayerNorm
    let classifier: Linear?

    /// A model reading every tensor from `weights` under our (Hugging Face) names, as
    /// `SwinWeightNames.normalized` gives them. Loading is strict: afterwards call
    /// `weights.verifyAllUsed(allowing: SwinWeightNames.ignoredKeys)`, or use `VisionModels.load`.
    /// - Throws: `VisionModelError` for an unsupported config, `WeightLoadingError` naming
    ///   the missing or mis-shaped key.
    public convenience init(weights: WeightScope, config: SwinConfig) throws {
        try self.init(source: ParameterSource(weights: weights), config: config)
    }

    /// A randomly initialised model (Hugging Face's scheme: weights and bias tables
    /// N(0, 0.02²), biases 0, layer norms γ = 1, β = 0), seeded; for benchmarks and tests.
    /// - Throws: `VisionModelError` for an unsupported config.
    public convenience init(config: SwinConfig, seed: UInt64) throws {
        try self.init(source: ParameterSource(seed: seed), config: config)
    }

    init(source: ParameterSource, config: SwinConfig) throws {
        try config.validate(source: "Swin")
        self.config = config
        let epsilon = config.layerNormEpsilon
        let embeddings = source.scoped("embeddings")
        patchEmbedding = try SwinPatchEmbedding(embeddings.scoped("patch_embeddings.projection"), config: config)
        embeddingNorm = try embeddings.scoped("norm").swinLayerNorm(config.embeddingSize, epsilon: epsilon)
        var stages: [SwinStage] = []
        for stage in config.depths.indices {
            stages.append(try SwinStage(source.scoped("encoder.layers").scoped(stage), stage: stage, config: config,
                                        merges: stage + 1 < config.depths.count))
        }
        self.stages = stages
        finalNorm = try source.scoped("layernorm").swinLayerNorm(config.featureSize, epsilon: epsilon)
        classifier = try config.numClasses.map {
            try source.scoped("classifier").swinLinear(inputSize: config.featureSize, outputSize: $0, bias: true)
        }
        setTraining(false)
    }

    public var featureSize: Int { config.featureSize }
    public var classCount: Int? { config.numClasses }
    /// `stem` (the normalised patch embedding), then `stage1` … one per stage, each before
    /// its patch merging (Hugging Face's `output_hidden_states_before_downsampling`).
    public var stageNames: [String] { ["stem"] + config.depths.indices.map { "stage\($0 + 1)" } }

    public var children: [(String, any Module)] {
        var result: [(String, any Module)] = [
            ("embeddings.patch_embeddings.projection", patchEmbedding), ("embeddings.norm", embeddingNorm),
            ("encoder.layers", ModuleList(stages)), ("layernorm", finalNorm),
        ]
        if let classifier { result.append(("classifier", classifier)) }
        return result
    }

    /// Runs the network on `images` [N, 3, H, W] (ImageNet-normalised); see the type's
    /// documentation for the shapes. Any H, W ≥ 1 works.
    public func features(_ images: Tensor, outputs: VisionOutputs) -> VisionFeatures {
        precondition(images.rank == 4 && images.shape[1] == config.channelCount,
                     "Swin: images must be [N, \(config.channelCount), H, W], got \(images.shape)")
        return withoutGradients {
            var result = VisionFeatures()
            let batch = images.shape[0], p = config.patchSize
            var height = (images.shape[2] + p - 1) / p, width = (images.shape[3] + p - 1) / p
            var x = embeddingNorm(patchEmbedding(images)).reshaped([batch, height * width, config.embeddingSize])
            if outputs.contains(.stages) { result.stages.append(("stem", channelsFirst(x, height, width))) }
            for (index, stage) in stages.enumerated() {
                x = stage.blocks(x, height: height, width: width)
                if outputs.contains(.stages) {
                    result.stages.append(("stage\(index + 1)", channelsFirst(x, height, width)))
                }
                if let merging = stage.merging {
                    x = merging(x, height: height, width: width)
                    height = (height + 1) / 2
                    width = (width + 1) / 2
                }
            }
            let tokens = finalNorm(x)
            finish(lastMap: tokens.reshaped([batch, height, width, config.featureSize]), outputs: outputs,
                   classifier: classifier, into: &result)
            return result
        }
    }

    private func channelsFirst(_ tokens: Tensor, _ height: Int, _ width: Int) -> Tensor {
        tokens.reshaped([tokens.shape[0], height, width, tokens.shape[2]]).toChannelsFirst()
    }
}

/// The stem: a p×p stride-p convolution (`weight` [C, 3, p, p], `bias` [C]) run as one
/// GEMM over the patches.
final class SwinPatchEmbedding: Module {
    var isTraining = false
    let weight: Tensor
    let bias: Tensor
    let patchSize: Int

    init(_ source: ParameterSource, config: SwinConfig) throws {
        let p = config.patchSize, c = config.embeddingSize
        weight = try source.swinTensor("weight", shape: [c, config.channelCount, p, p])
        bias = try source.swinTensor("bias", shape: [c], std: 0)
        patchSize = p
    }

    var ownParameters: [(String, Tensor)] { [("weight", weight), ("bias", bias)] }

    /// [N, 3, H, W] → [N·⌈H/p⌉·⌈W/p⌉, C].
    func callAsFunction(_ images: Tensor) -> Tensor {
        let c = weight.shape[0]
        return images.swinPatches(patch: patchSize).matmul(weight.reshaped([c, -1]), transposeOther: true).addingBias(bias)
    }
}

/// One stage: its blocks (`blocks.i`) and, for all but the last, the patch merging at
/// its end (`downsample`).
final class SwinStage: Module {
    var isTraining = false
    let blockList: ModuleList<SwinBlock>
    let merging: SwinPatchMerging?

    init(_ source: ParameterSource, stage: Int, config: SwinConfig, merges: Bool) throws {
        var blocks: [SwinBlock] = []
        for index in 0..<config.depths[stage] {
            blocks.append(try SwinBlock(source.scoped("blocks").scoped(index), stage: stage, shifted: index % 2 == 1,
                                        config: config))
        }
        blockList = ModuleList(blocks)
        merging = merges ? try SwinPatchMerging(source.scoped("downsample"), channels: config.channels(ofStage: stage),
                                                epsilon: config.layerNormEpsilon) : nil
    }

    var children: [(String, any Module)] {
        var result: [(String, any Module)] = [("blocks", blockList)]
        if let merging { result.append(("downsample", merging)) }
        return result
    }

    /// The blocks applied to the map `x` [B, H·W, C].
    func blocks(_ x: Tensor, height: Int, width: Int) -> Tensor {
        blockList.modules.reduce(x) { $1($0, height: height, width: width) }
    }
}

/// One Swin block (`SwinLayer`): shifted-window attention and MLP, each pre-norm with a
/// residual. Keys: `layernorm_before`, `attention.self.{query,key,value}` (or timm's fused
/// `attention.self.qkv`), `attention.self.relative_position_bias_table`
/// [(2·window − 1)², heads], `attention.output.dense`, `layernorm_after`,
/// `intermediate.dense`, `output.dense`.
final class SwinBlock: Module {
    var isTraining = false
    let normBefore: LayerNorm
    let query: Linear, key: Linear, value: Linear
    let relativePositionBiasTable: Tensor
    let attentionOutput: Linear
    let normAfter: LayerNorm
    let intermediate: Linear
    let output: Linear
    let heads: Int
    let windowSize: Int
    let shifted: Bool
    /// Query, key and value stacked to one projection [3C, C] / [3C], made once at load.
    let fusedWeight: Tensor
    let fusedBias: Tensor

    init(_ source: ParameterSource, stage: Int, shifted: Bool, config: SwinConfig) throws {
        let c = config.channels(ofStage: stage), epsilon = config.layerNormEpsilon
        heads = config.headCounts[stage]
        windowSize = config.windowSize
        self.shifted = shifted
        normBefore = try source.scoped("layernorm_before").swinLayerNorm(c, epsilon: epsilon)
        let attention = source.scoped("attention.self")
        if let weights = attention.weights, weights.contains("qkv.weight") {
            // timm's fused projection: rows q, k, v.
            let weight = try weights.scoped("qkv").tensor("weight", shape: [3 * c, c])
            let bias = config.qkvBias ? try weights.scoped("qkv").tensor("bias", shape: [3 * c]) : nil
            func part(_ index: Int) -> Linear {
                Linear(weight: weight.slice(axis: 0, index * c..<(index + 1) * c),
                       bias: bias?.slice(axis: 0, index * c..<(index + 1) * c))
            }
            (query, key, value) = (part(0), part(1), part(2))
        } else {
            query = try attention.scoped("query").swinLinear(inputSize: c, outputSize: c, bias: config.qkvBias)
            key = try attention.scoped("key").swinLinear(inputSize: c, outputSize: c, bias: config.qkvBias)
            value = try attention.scoped("value").swinLinear(inputSize: c, outputSize: c, bias: config.qkvBias)
        }
        let side = 2 * config.windowSize - 1
        relativePositionBiasTable = try attention.swinTensor("relative_position_bias_table", shape: [side * side, heads])
        attentionOutput = try source.scoped("attention.output.dense").swinLinear(inputSize: c, outputSize: c, bias: true)
        normAfter = try source.scoped("layernorm_after").swinLayerNorm(c, epsilon: epsilon)
        let hidden = config.mlpSize(ofStage: stage)
        intermediate = try source.scoped("intermediate.dense").swinLinear(inputSize: c, outputSize: hidden, bias: true)
        output = try source.scoped("output.dense").swinLinear(inputSize: hidden, outputSize: c, bias: true)
        fusedWeight = Tensor.concat([query.weight, key.weight, value.weight], axis: 0).detached()
        fusedBias = Tensor.concat([query, key, value].map { $0.bias ?? Tensor.zeros([c]) }, axis: 0).detached()
    }

    var ownParameters: [(String, Tensor)] { [("attention.self.relative_position_bias_table", relativePositionBiasTable)] }

    var children: [(String, any Module)] {
        [("layernorm_before", normBefore), ("attention.self.query", query), ("attention.self.key", key),
         ("attention.self.value", value), ("attention.output.dense", attentionOutput), ("layernorm_after", normAfter),
         ("intermediate.dense", intermediate), ("output.dense", output)]
    }

    /// The block applied to the map `x` [B, H·W, C].
    func callAsFunction(_ x: Tensor, height: Int, width: Int) -> Tensor {
        let geometry = WindowGeometry(batch: x.shape[0], height: height, width: width, window: windowSize, shifted: shifted)
        let windows = x.swinWindows(geometry, normWeight: normBefore.weight ?? Tensor.ones([x.shape[2]]),
                                    normBias: normBefore.bias ?? Tensor.zeros([x.shape[2]]), epsilon: normBefore.epsilon)
        let projections = windows.matmul(fusedWeight, transposeOther: true).addingBias(fusedBias)
        let bias = swinRelativePositionBias(table: relativePositionBiasTable, tableWindow: windowSize, window: geometry.window)
        let attended = projections.swinWindowAttention(heads: heads, tokens: geometry.tokens, bias: bias,
                                                       mask: geometry.shiftMask())
        let projected = attended.matmul(attentionOutput.weight, transposeOther: true)
        let mixed = x.addingSwinWindows(projected, bias: biasOf(attentionOutput), geometry)
        let expanded = normAfter(mixed).matmul(intermediate.weight, transposeOther: true).addingBiasGELU(biasOf(intermediate))
        return expanded.matmul(output.weight, transposeOther: true).addingBiasAndResidual(biasOf(output), mixed)
    }

    private func biasOf(_ dense: Linear) -> Tensor { dense.bias ?? Tensor.zeros([dense.outputSize]) }
}

/// Patch merging (`downsample`): the 2×2 neighbours concatenated (4C), `norm` (LayerNorm
/// over 4C), `reduction` (linear 4C → 2C, no bias).
final class SwinPatchMerging: Module {
    var isTraining = false
    let norm: LayerNorm
    let reduction: Linear

    init(_ source: ParameterSource, channels c: Int, epsilon: Float) throws {
        norm = try source.scoped("norm").swinLayerNorm(4 * c, epsilon: epsilon)
        reduction = try source.scoped("reduction").swinLinear(inputSize: 4 * c, outputSize: 2 * c, bias: false)
    }

    var children: [(String, any Module)] { [("norm", norm), ("reduction", reduction)] }

    /// [B, H·W, C] → [B, ⌈H/2⌉·⌈W/2⌉, 2C].
    func callAsFunction(_ x: Tensor, height: Int, width: Int) -> Tensor {
        let merged = norm(x.swinMergedPatches(height: height, width: width)).matmul(reduction.weight, transposeOther: true)
        return merged.reshaped([x.shape[0], -1, reduction.outputSize])
    }
}

extension ParameterSource {
    /// The tensor `name` with `shape`, or N(0, std²) when random (zeros for std 0).
    func swinTensor(_ name: String, shape: [Int], std: Float = 0.02) throws -> Tensor {
        if let weights { return try weights.tensor(name, shape: shape) }
        if std == 0 { return Initializer.zeros(shape) }
        return Initializer.normal(shape, std: std, generator: &random.generator)
    }

    /// A linear layer `weight` [out, in] (+ `bias` [out]); random: N(0, 0.02²), bias 0.
    func swinLinear(inputSize: Int, outputSize: Int, bias: Bool) throws -> Linear {
        if let weights { return try Linear(weights: weights, inputSize: inputSize, outputSize: outputSize, bias: bias) }
        return Linear(weight: try swinTensor("weight", shape: [outputSize, inputSize]),
                      bias: bias ? Tensor.zeros([outputSize]) : nil)
    }

    /// A layer norm `weight`, `bias` [dimension]; random: γ = 1, β = 0.
    func swinLayerNorm(_ dimension: Int, epsilon: Float) throws -> LayerNorm {
        if let weights { return try LayerNorm(weights: weights, dimension: dimension, epsilon: epsilon) }
        return LayerNorm(dimension: dimension, epsilon: epsilon)
    }
}
