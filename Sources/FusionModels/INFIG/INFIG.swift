import Foundation
import NeuralNetwork

/// INFIG ("Integrating hierarchical fine-grained and global information for multimodal
/// sentiment analysis with assistance of CLIP"). docs/models/infig.md maps every equation
/// of the paper to the line that computes it.
///
/// Text: the last M layers of DeBERTa-v3 from `text.layers` [B, ≥M, L, d_t] (optionally
/// run through the top N layers the model fine-tunes), projected to d. Image: the ResNet-50
/// grid `image.grid` [B, P, C] through a projection, [CLS], positions and N_i transformer
/// layers. Then
/// i_g = concat(i_cls, W_i clip_image), t_g = concat(t_cls, W_t clip_text)            (§3.2)
/// L_g = ½(InfoNCE(i_g, t_g^m, queue_t) + InfoNCE(t_g, i_g^m, queue_i)), τ            (1, 2)
/// L_f = 1/(2M) Σ_m (L_T + L_I) over the last M layers, top-j token similarities     (3-6)
/// F = TE([i_1 … i_ni, t_1 … t_nt]); K = GELU(Σ g_i f_i W_K + b_K)                   (7-10)
/// logits = GELU(K W + b); loss = CE + λ_g L_g + λ_f L_f                              (11, 12)
///
/// The momentum encoders (EMA copies of the image transformer, the text projection and the
/// CLIP projections) and the two queues live in the model: `afterOptimizerStep` updates the
/// copies and enqueues the batch's momentum features; `trainingState()` saves them.
/// Auxiliary losses (training mode): `global` (λ_g L_g), `fine_grained` (λ_f L_f).
/// Intermediates: `fused` K [B, d], `pooling.weights` [B, n_i + n_t], and in training mode
/// `momentum.image_global`, `momentum.text_global` [B, D_g] (the keys to enqueue).
public final class INFIG: FusionModel, TrainingStepHooks {
    public var isTraining = true
    public let id = "infig"
    /// The configuration the model was built with.
    public let configuration: INFIGConfiguration
    let textProjection: Linear
    let imageTransformer: ImageTransformer
    let clipTextProjection: Linear?
    let clipImageProjection: Linear?
    let fusion: ModuleList<TransformerEncoderLayer>
    let head: AttentionPoolingHead
    /// The fine-tuned top text layers (nil when `finetune_top` is 0 or none is attached yet).
    public internal(set) var textTopLayers: (any TextTopLayers)?
    // Momentum encoders: same architecture, updated by EMA, never by the optimizer.
    let momentumTextProjection: Linear
    let momentumImageTransformer: ImageTransformer
    let momentumClipTextProjection: Linear?
    let momentumClipImageProjection: Linear?
    /// The queues of momentum global features [K, D_g] (unit rows) and the next write row.
    public internal(set) var textQueue: Tensor
    public internal(set) var imageQueue: Tensor
    public internal(set) var queuePointer = 0
    let useGlobal: Bool
    let useFineGrained: Bool
    let alignmentLayers: Int

    /// The ablation switches of the paper's Table 3 and Figure 3 plus two depth variants:
    /// `no-gam`, `no-hfam`, `no-clip` (i_g = i_cls, t_g = t_cls), `hfam-last-layer`
    /// (M = 1), `one-fusion-layer`.
    public static let ablations = ["no-gam", "no-hfam", "no-clip", "hfam-last-layer", "one-fusion-layer"]

    /// A randomly initialised model for `classes` classes; the momentum encoders start as
    /// copies and the queues as random unit rows.
    /// - Throws: `FusionModelError` for an unknown ablation or an invalid size.
    public init(configuration: INFIGConfiguration, classes: Int, seed: UInt64) throws {
        let c = configuration
        for name in c.ablations where !Self.ablations.contains(name) {
            throw FusionModelError.unknownAblation(model: "infig", name: name, known: Self.ablations)
        }
        let ablated = Set(c.ablations)
        alignmentLayers = ablated.contains("hfam-last-layer") ? 1 : c.alignmentLayerCount
        guard classes >= 2, c.textHiddenSize >= 1, c.imageChannels >= 1, c.imagePositions >= 1, c.modelDimension >= 1,
              c.headCount >= 1, c.modelDimension % c.headCount == 0, c.imageLayerCount >= 1, c.fusionLayerCount >= 1,
              alignmentLayers >= 1, alignmentLayers <= c.imageLayerCount, c.topJ >= 1, c.clipSize >= 1,
              c.clipProjectionSize >= 1, c.queueSize >= 1, c.momentum >= 0, c.momentum <= 1, c.temperature > 0,
              c.dropout >= 0, c.dropout < 1, c.finetuneTop >= 0
        else {
            throw FusionModelError.invalidConfiguration(
                model: "infig", reason: "classes ≥ 2, sizes ≥ 1, model_dimension divisible by head_count, "
                    + "alignment_layer_count ≤ image_layer_count, momentum in [0, 1], temperature > 0, dropout in [0, 1) "
                    + "and finetune_top ≥ 0 are required")
        }
        self.configuration = c
        useGlobal = !ablated.contains("no-gam")
        useFineGrained = !ablated.contains("no-hfam")
        let useClip = useGlobal && !ablated.contains("no-clip")
        let d = c.modelDimension, feedForward = c.resolvedFeedForwardDimension
        var generator = RandomGenerator(seed: seed)
        func makeImage(_ generator: inout RandomGenerator) -> ImageTransformer {
            ImageTransformer(channels: c.imageChannels, positionCount: c.imagePositions, dimension: d,
                             layerCount: c.imageLayerCount, headCount: c.headCount, feedForward: feedForward,
                             dropout: c.dropout, generator: &generator)
        }
        textProjection = Linear(inputSize: c.textHiddenSize, outputSize: d, generator: &generator)
        imageTransformer = makeImage(&generator)
        clipTextProjection = useClip ? Linear(inputSize: c.clipSize, outputSize: c.clipProjectionSize, generator: &generator) : nil
        clipImageProjection = useClip ? Linear(inputSize: c.clipSize, outputSize: c.clipProjectionSize, generator: &generator) : nil
        let fusionCount = ablated.contains("one-fusion-layer") ? 1 : c.fusionLayerCount
        fusion = ModuleList((0..<fusionCount).map { _ in
            TransformerEncoderLayer(embedDimension: d, headCount: c.headCount, feedForwardDimension: feedForward,
                                    dropout: c.dropout, activation: .gelu, generator: &generator)
        })
        head = AttentionPoolingHead(dimension: d, classes: classes, generator: &generator)
        var momentumGenerator = RandomGenerator(seed: seed ^ 0x6D6F6D656E74756D)
        momentumTextProjection = Linear(inputSize: c.textHiddenSize, outputSize: d, generator: &momentumGenerator)
        momentumImageTransformer = makeImage(&momentumGenerator)
        momentumClipTextProjection = useClip
            ? Linear(inputSize: c.clipSize, outputSize: c.clipProjectionSize, generator: &momentumGenerator) : nil
        momentumClipImageProjection = useClip
            ? Linear(inputSize: c.clipSize, outputSize: c.clipProjectionSize, generator: &momentumGenerator) : nil
        let globalSize = d + (useClip ? c.clipProjectionSize : 0)
        textQueue = Alignment.normalized(Tensor.randn([c.queueSize, globalSize], generator: &generator))
        imageQueue = Alignment.normalized(Tensor.randn([c.queueSize, globalSize], generator: &generator))
        for (target, source) in momentumPairs { target.assign(source) }
        // The momentum encoders make targets: no dropout in them.
        momentumImageTransformer.eval()
    }

    public var children: [(String, any Module)] {
        var result: [(String, any Module)] = [("text_projection", textProjection), ("image_encoder", imageTransformer)]
        if let clipTextProjection, let clipImageProjection {
            result += [("clip_text_projection", clipTextProjection), ("clip_image_projection", clipImageProjection)]
        }
        if let textTopLayers { result.append(("text_top", textTopLayers)) }
        result += [("fusion", fusion), ("head", head)]
        return result
    }

    /// The encoders that have momentum copies, under their parameter names.
    var momentumModules: [(String, any Module, any Module)] {
        var result: [(String, any Module, any Module)] = [
            ("text_projection", momentumTextProjection, textProjection),
            ("image_encoder", momentumImageTransformer, imageTransformer),
        ]
        if let clipTextProjection, let clipImageProjection, let momentumClipTextProjection, let momentumClipImageProjection {
            result += [("clip_text_projection", momentumClipTextProjection, clipTextProjection),
                       ("clip_image_projection", momentumClipImageProjection, clipImageProjection)]
        }
        return result
    }

    /// (momentum copy, online parameter) pairs.
    var momentumPairs: [(Tensor, Tensor)] {
        momentumModules.flatMap { _, copy, online in zip(copy.namedParameters().map(\.1), online.namedParameters().map(\.1)) }
    }

    /// Attaches the fine-tuned top text layers (`finetune_top` > 0): `text.layers` then holds
    /// the hidden states below them. The stack's parameters join the model's under `text_top`.
    /// - Throws: `FusionModelError.invalidConfiguration` when its layer count is not `finetune_top`.
    public func attachTextTopLayers(_ layers: any TextTopLayers) throws {
        guard layers.layerCount == configuration.finetuneTop, configuration.finetuneTop > 0 else {
            throw FusionModelError.invalidConfiguration(
                model: "infig", reason: "a stack of \(layers.layerCount) top text layers for finetune_top \(configuration.finetuneTop)")
        }
        textTopLayers = layers
    }

    /// How many cached text layers `forward` reads.
    var cachedTextLayers: Int {
        let total = useFineGrained ? alignmentLayers : 1
        return Swift.max(1, total - configuration.finetuneTop)
    }

    public var requirements: FeatureRequirements {
        FeatureRequirements(textLayerCount: cachedTextLayers, textTokenSequences: true, imageGrid: true,
                            clipEmbeddings: clipTextProjection != nil, textTokenIds: true)
    }

    public func configurationJSON() throws -> Data { try ConfigurationCoding.encode(configuration) }

    /// The text hidden states of the last layers [B, L, d_t] each, oldest first, and the
    /// padding mask (true at padding).
    func textStates(_ batch: ModelInputs) throws -> (states: [Tensor], padding: [[Bool]]) {
        let c = configuration
        let b = batch.batchSize
        let layers = try batch.feature(FeatureName.textLayers, shape: [b, nil, nil, c.textHiddenSize])
        let length = layers.shape[2]
        let ids = try batch.feature(FeatureName.textTokenIds, shape: [b, length])
        let idScalars = ids.scalars
        let padding = (0..<b).map { i in (0..<length).map { Int(idScalars[i * length + $0]) == c.padTokenId } }
        let needed = cachedTextLayers
        guard layers.shape[1] >= needed else {
            throw FusionModelError.featureShape(name: FeatureName.textLayers, expected: [b, needed, length, c.textHiddenSize],
                                                found: layers.shape)
        }
        let first = layers.shape[1] - needed
        var states = (first..<layers.shape[1]).map { layers.slice(axis: 1, $0..<($0 + 1)).squeezed(1) }
        if c.finetuneTop > 0 {
            guard let textTopLayers else {
                throw FusionModelError.invalidConfiguration(
                    model: "infig", reason: "finetune_top \(c.finetuneTop) needs the top text layers; attach them with attachTextTopLayers")
            }
            guard let last = states.last else { return (states, padding) }
            states += textTopLayers(last, paddingMask: padding)
        }
        return (states, padding)
    }

    public func forward(_ batch: ModelInputs) throws -> ModelOutput {
        let c = configuration
        let b = batch.batchSize
        let grid = try batch.feature(FeatureName.imageGrid, shape: [b, c.imagePositions, c.imageChannels])
        let (rawText, padding) = try textStates(batch)
        let length = rawText[0].shape[1]
        let textPresence = batch.textPresenceTensor.reshaped([b, 1, 1])
        let imagePresence = batch.imagePresenceTensor.reshaped([b, 1, 1])
        let imageStates = imageTransformer(grid * imagePresence)                                 // [B, 1 + P, d] each
        let textStates = rawText.map { textProjection($0) * textPresence }                         // [B, L, d] each
        guard let lastText = textStates.last, let lastImage = imageStates.last else {
            throw FusionModelError.invalidConfiguration(model: "infig", reason: "no text or image layers")
        }
        var intermediates: [String: Tensor] = [:]
        var auxiliaryLosses: [String: Tensor] = [:]
        // Tokens without [CLS]: the image's positions 1…P, the text's positions 1…L-1.
        func tokens(_ state: Tensor) -> Tensor { state.slice(axis: 1, 1..<state.shape[1]) }
        let textValid = padding.map { Array($0.dropFirst()).map { !$0 } }

        if isTraining && useGlobal {
            let clipText = try clipTextProjection.map { try $0(batch.feature(FeatureName.clipText, shape: [b, c.clipSize])) }
            let clipImage = try clipImageProjection.map { try $0(batch.feature(FeatureName.clipImage, shape: [b, c.clipSize])) }
            func global(_ cls: Tensor, _ clip: Tensor?) -> Tensor {
                Alignment.normalized(clip.map { Tensor.concat([cls, $0], axis: 1) } ?? cls)
            }
            let imageGlobal = global(lastImage.slice(axis: 1, 0..<1).squeezed(1), clipImage)
            let textGlobal = global(lastText.slice(axis: 1, 0..<1).squeezed(1), clipText)
            let (momentumImage, momentumText) = try withoutGradients {
                let image = momentumImageTransformer(grid * imagePresence).last ?? lastImage.detached()
                let text = momentumTextProjection(rawText[rawText.count - 1]) * textPresence
                let clipT = try momentumClipTextProjection.map { try $0(batch.feature(FeatureName.clipText, shape: [b, c.clipSize])) }
                let clipI = try momentumClipImageProjection.map { try $0(batch.feature(FeatureName.clipImage, shape: [b, c.clipSize])) }
                return (global(image.slice(axis: 1, 0..<1).squeezed(1), clipI).detached(),
                        global(text.slice(axis: 1, 0..<1).squeezed(1), clipT).detached())
            }
            let infoNCE = InfoNCELoss(temperature: c.temperature)
            let imageToText = try infoNCE(queries: imageGlobal, keys: momentumText, queue: textQueue)    // L_i2t (1)
            let textToImage = try infoNCE(queries: textGlobal, keys: momentumImage, queue: imageQueue)   // L_t2i (1)
            auxiliaryLosses["global"] = (imageToText + textToImage) * (0.5 * c.globalWeight)           // (2), λ_g
            intermediates["momentum.image_global"] = momentumImage
            intermediates["momentum.text_global"] = momentumText
        }
        if isTraining && useFineGrained {
            var total: Tensor?
            for m in 0..<alignmentLayers {
                let image = imageStates[imageStates.count - alignmentLayers + m]
                let text = textStates[textStates.count - alignmentLayers + m]
                let layer = try Alignment.fineGrainedLoss(images: tokens(image), texts: tokens(text), textValid: textValid,
                                                          j: c.topJ, temperature: c.temperature).loss      // (3-5)
                total = total.map { $0 + layer } ?? layer
            }
            if let total { auxiliaryLosses["fine_grained"] = total * (c.fineGrainedWeight / Float(2 * alignmentLayers)) }  // (6)
        }

        var sequence = Tensor.concat([tokens(lastImage), tokens(lastText)], axis: 1)               // (7)
        let keyPadding = (0..<b).map { i in Array(repeating: false, count: c.imagePositions) + Array(padding[i].dropFirst()) }
        for layer in fusion.modules { sequence = layer(sequence, keyPaddingMask: keyPadding) }
        let paddingTensor = Tensor(shape: [b, c.imagePositions + length - 1], scalars: keyPadding.flatMap { $0.map { $0 ? 1 : 0 } })
        let (logits, representation, weights) = head(sequence, padding: paddingTensor)             // (8-11)
        intermediates["fused"] = representation.detached()
        intermediates["pooling.weights"] = weights.detached()
        return ModelOutput(logits: logits, auxiliaryLosses: auxiliaryLosses, intermediates: intermediates)
    }
}
