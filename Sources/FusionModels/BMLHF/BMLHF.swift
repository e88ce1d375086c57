import Foundation
import NeuralNetwork

/// BMLHF (Wu, Chen, Gao, Ji, Jing): balanced multi-modal learning with hierarchical
/// fusion for fake news detection. docs/models/bmlhf.md maps every equation of the paper
/// to the line that computes it.
///
/// Four views, each through its own two-layer MLP g^u (section 3.1):
/// Q′ = g^Q(BERT [CLS]), E′ = g^E(Swin-T), P′ = g^P(CLIP text), U′ = g^U(CLIP image)
/// Q̃, Ẽ = CrossTransformer_pattern(Q′, E′); P̃, Ũ = CrossTransformer_semantic(P′, U′)   (6, 7)
/// X_text = δ₁Q̃ + δ₂P̃, X_image = β₁Ẽ + β₂Ũ (softmax attention over views)            (8-11)
/// X = [ReLU(X_text + W_T ⊙ G_T 1); ReLU(X_image + W_I ⊙ G_I 1)]                     (12-15)
/// logits = W₂ ReLU(W₁ Dropout(X) + b₁) + b₂                                          (16)
/// loss = CE + α₂ SupCon(X; τ) + CE(Σ_u W^u z^u + b)                                  (17-19)
///
/// MIB (equations 2-5) runs as `TrainingStepHooks.beforeOptimizerStep`: from each view
/// head's logits W^u z^u + b/V it takes the true-class probability s^u, the batch ratio
/// ρ^u = Σs^u / Σ_v Σs^v and k^u = 1 − tanh(α₁ρ^u) when ρ^u > 1/V (else 1), and scales
/// the gradients of g^u and of W^u by k^u.
///
/// Inputs: `text.cls_layers` [B, ≥1, d_t] (or `text.pooled`), `image.logits` [B, d_e] (or
/// `image.pooled`), `clip.text`, `clip.image` [B, d_clip]. A post without text (image)
/// has its text (image) views set to 0 after the MLPs.
/// Auxiliary losses (with `ModelInputs.labels`): `supcon` (weighted by α₂), `view_heads`.
/// Intermediates: `fused` [B, dim X], `views.logits` [B, V, C] (the view heads, in the
/// order of `viewNames`), `intra.text_weights`, `intra.image_weights` [B, 2].
public final class BMLHF: FusionModel, TrainingStepHooks {
    public var isTraining = true
    public let id = "bmlhf"
    /// The configuration the model was built with.
    public let configuration: BMLHFConfiguration
    /// The views the model reads, in MIB order: a subset of `text_pattern` (Q),
    /// `image_pattern` (E), `text_semantic` (P), `image_semantic` (U).
    public let viewNames: [String]
    let encoders: [ViewEncoder]
    let viewHeads: [Linear]
    let viewHeadBias: Tensor
    let patternTransformer: CrossTransformer?
    let semanticTransformer: CrossTransformer?
    let textAttention: MultiViewAttention?
    let imageAttention: MultiViewAttention?
    let textCorrelation: JointCorrelation?
    let imageCorrelation: JointCorrelation?
    let dropout: Dropout
    let classifierHidden: Linear
    let classifier: Linear
    let balancing: Bool
    let contrastive: Bool
    /// The MIB ratios ρ and coefficients k of the last optimizer step (one per view), and
    /// the number of steps MIB has run.
    public internal(set) var lastRatios: [Float]
    public internal(set) var lastCoefficients: [Float]
    public internal(set) var balancedSteps = 0

    /// The ablation switches of the paper's Table 2 and two more:
    /// `no-mib` (BMLHF-I), `no-fusion` (BMLHF-T: concatenate after the cross-transformers),
    /// `no-cross` (BMLHF-D: no dual cross-transformer), `no-hf` (BMLHF-H: concatenate the
    /// encoded views), `no-intra` (BMLHF-tra: concatenate the views of each modality),
    /// `no-inter` (BMLHF-ter: concatenate the modality vectors), `no-supcon` (α₂ = 0),
    /// `pattern-only` (BERT and Swin-T views), `semantic-only` (the CLIP views).
    public static let ablations = ["no-mib", "no-fusion", "no-cross", "no-hf", "no-intra", "no-inter", "no-supcon",
                                   "pattern-only", "semantic-only"]

    /// A randomly initialised model (PyTorch's default initialisation) for `classes` classes.
    /// - Throws: `FusionModelError` for an unknown ablation or an invalid size.
    public init(configuration: BMLHFConfiguration, classes: Int, seed: UInt64) throws {
        let c = configuration
        for name in c.ablations where !Self.ablations.contains(name) {
            throw FusionModelError.unknownAblation(model: "bmlhf", name: name, known: Self.ablations)
        }
        let ablated = Set(c.ablations)
        guard classes >= 2, c.textHiddenSize >= 1, c.imageFeatureSize >= 1, c.clipSize >= 1, c.mlpHiddenSize >= 1,
              c.viewDimension >= 1, c.headCount >= 1, c.viewDimension % c.headCount == 0, c.dropout >= 0, c.dropout < 1,
              c.contrastiveTemperature > 0, ["cls", "pooled"].contains(c.textFeature),
              ["logits", "pooled"].contains(c.imageFeature),
              !(ablated.contains("pattern-only") && ablated.contains("semantic-only"))
        else {
            throw FusionModelError.invalidConfiguration(
                model: "bmlhf", reason: "classes ≥ 2, sizes ≥ 1, view_dimension divisible by head_count, dropout in [0, 1), "
                    + "contrastive_temperature > 0, text_feature cls|pooled, image_feature logits|pooled and at most one of "
                    + "pattern-only, semantic-only are required")
        }
        self.configuration = c
        let usePattern = !ablated.contains("semantic-only")
        let useSemantic = !ablated.contains("pattern-only")
        viewNames = (usePattern ? ["text_pattern", "image_pattern"] : []) + (useSemantic ? ["text_semantic", "image_semantic"] : [])
        balancing = !ablated.contains("no-mib")
        contrastive = !ablated.contains("no-supcon") && c.contrastiveWeight != 0
        let wholeFusion = !ablated.contains("no-hf")
        let useCross = wholeFusion && !ablated.contains("no-cross")
        let useStages = wholeFusion && !ablated.contains("no-fusion")
        let useIntra = useStages && usePattern && useSemantic && !ablated.contains("no-intra")
        let useInter = useStages && !ablated.contains("no-inter")

        var generator = RandomGenerator(seed: seed)
        let d = c.viewDimension
        let inputSizes = ["text_pattern": c.textHiddenSize, "image_pattern": c.imageFeatureSize,
                          "text_semantic": c.clipSize, "image_semantic": c.clipSize]
        encoders = viewNames.map { name in
            ViewEncoder(inputSize: inputSizes[name] ?? 0, hiddenSize: c.mlpHiddenSize, outputSize: d, generator: &generator)
        }
        viewHeads = viewNames.map { _ in Linear(inputSize: d, outputSize: classes, bias: false, generator: &generator) }
        viewHeadBias = Initializer.uniform([classes], bound: 1 / Float(d).squareRoot(), generator: &generator)
        let feedForward = c.resolvedFeedForwardDimension
        patternTransformer = useCross && usePattern
            ? CrossTransformer(dimension: d, headCount: c.headCount, feedForward: feedForward, generator: &generator) : nil
        semanticTransformer = useCross && useSemantic
            ? CrossTransformer(dimension: d, headCount: c.headCount, feedForward: feedForward, generator: &generator) : nil
        let attentionHidden = c.resolvedAttentionHiddenSize
        textAttention = useIntra ? MultiViewAttention(dimension: d, hiddenSize: attentionHidden, generator: &generator) : nil
        imageAttention = useIntra ? MultiViewAttention(dimension: d, hiddenSize: attentionHidden, generator: &generator) : nil
        // Each modality vector has d_k entries after the attention, or one d_k per view when
        // the views are concatenated (no-intra) or when the modality has a single view.
        let perModality = useIntra ? d : d * (viewNames.count / 2)
        textCorrelation = useInter ? JointCorrelation(dimension: perModality, generator: &generator) : nil
        imageCorrelation = useInter ? JointCorrelation(dimension: perModality, generator: &generator) : nil
        let fusedSize = useStages ? 2 * perModality : d * viewNames.count
        dropout = Dropout(probability: c.dropout, generator: &generator)
        classifierHidden = Linear(inputSize: fusedSize, outputSize: c.resolvedClassifierHiddenSize, generator: &generator)
        classifier = Linear(inputSize: c.resolvedClassifierHiddenSize, outputSize: classes, generator: &generator)
        lastRatios = Array(repeating: 0, count: viewNames.count)
        lastCoefficients = Array(repeating: 1, count: viewNames.count)
    }

    public var ownParameters: [(String, Tensor)] { [("view_head_bias", viewHeadBias)] }

    public var children: [(String, any Module)] {
        var result: [(String, any Module)] = []
        for (name, encoder) in zip(viewNames, encoders) { result.append(("views.\(name)", encoder)) }
        for (name, head) in zip(viewNames, viewHeads) { result.append(("view_heads.\(name)", head)) }
        if let patternTransformer { result.append(("cross_pattern", patternTransformer)) }
        if let semanticTransformer { result.append(("cross_semantic", semanticTransformer)) }
        if let textAttention { result.append(("intra_text", textAttention)) }
        if let imageAttention { result.append(("intra_image", imageAttention)) }
        if let textCorrelation { result.append(("inter_text", textCorrelation)) }
        if let imageCorrelation { result.append(("inter_image", imageCorrelation)) }
        result += [("dropout", dropout), ("classifier_hidden", classifierHidden), ("classifier", classifier)]
        return result
    }

    public var requirements: FeatureRequirements {
        let c = configuration
        let pattern = viewNames.contains("text_pattern")
        let semantic = viewNames.contains("text_semantic")
        return FeatureRequirements(
            textLayerCount: pattern && c.textFeature == "cls" ? 1 : 0, textClassTokens: pattern && c.textFeature == "cls",
            textPooled: pattern && c.textFeature == "pooled", imagePooled: pattern && c.imageFeature == "pooled",
            imageLogits: pattern && c.imageFeature == "logits", clipEmbeddings: semantic)
    }

    public func configurationJSON() throws -> Data { try ConfigurationCoding.encode(configuration) }

    /// The input vector of view `name` [B, size].
    func viewInput(_ name: String, _ batch: ModelInputs) throws -> Tensor {
        let c = configuration
        let b = batch.batchSize
        switch name {
        case "text_pattern":
            if c.textFeature == "pooled" { return try batch.feature(FeatureName.textPooled, shape: [b, c.textHiddenSize]) }
            let layers = try batch.feature(FeatureName.textClassLayers, shape: [b, nil, c.textHiddenSize])
            let last = layers.shape[1] - 1
            guard last >= 0 else {
                throw FusionModelError.featureShape(name: FeatureName.textClassLayers, expected: [b, 1, c.textHiddenSize],
                                                    found: layers.shape)
            }
            return layers.slice(axis: 1, last..<(last + 1)).squeezed(1)
        case "image_pattern":
            let feature = c.imageFeature == "pooled" ? FeatureName.imagePooled : FeatureName.imageLogits
            return try batch.feature(feature, shape: [b, c.imageFeatureSize])
        case "text_semantic":
            return try batch.feature(FeatureName.clipText, shape: [b, c.clipSize])
        default:
            return try batch.feature(FeatureName.clipImage, shape: [b, c.clipSize])
        }
    }

    public func forward(_ batch: ModelInputs) throws -> ModelOutput {
        let b = batch.batchSize
        let textPresence = batch.textPresenceTensor.reshaped([b, 1])
        let imagePresence = batch.imagePresenceTensor.reshaped([b, 1])
        var encoded: [String: Tensor] = [:]
        var viewLogits: [Tensor] = []
        let viewCount = Float(viewNames.count)
        for (index, name) in viewNames.enumerated() {
            let presence = name.hasPrefix("text") ? textPresence : imagePresence
            let z = encoders[index](try viewInput(name, batch)) * presence                      // g^u
            encoded[name] = z
            viewLogits.append(viewHeads[index](z) + viewHeadBias / viewCount)                    // (2): W^u z^u + b/V
        }
        var intermediates: [String: Tensor] = [:]
        let stackedLogits = Tensor.stack(viewLogits, axis: 1)                                     // [B, V, C]
        intermediates["views.logits"] = stackedLogits.detached()

        var crossed = encoded
        if let patternTransformer, let q = encoded["text_pattern"], let e = encoded["image_pattern"] {
            (crossed["text_pattern"], crossed["image_pattern"]) = patternTransformer(q, e)         // (6)
        }
        if let semanticTransformer, let p = encoded["text_semantic"], let u = encoded["image_semantic"] {
            (crossed["text_semantic"], crossed["image_semantic"]) = semanticTransformer(p, u)      // (7)
        }
        let textViews = viewNames.filter { $0.hasPrefix("text") }.compactMap { crossed[$0] }
        let imageViews = viewNames.filter { $0.hasPrefix("image") }.compactMap { crossed[$0] }

        let fused: Tensor
        if configuration.ablations.contains("no-hf") || configuration.ablations.contains("no-fusion") {
            fused = Tensor.concat(viewNames.compactMap { crossed[$0] }, axis: 1)                  // BMLHF-H, BMLHF-T
        } else {
            var text: Tensor
            var image: Tensor
            if let textAttention, let imageAttention {
                let textResult = textAttention(textViews)                                         // (8, 10)
                let imageResult = imageAttention(imageViews)                                      // (9, 11)
                text = textResult.fused
                image = imageResult.fused
                intermediates["intra.text_weights"] = textResult.weights.detached()
                intermediates["intra.image_weights"] = imageResult.weights.detached()
            } else {
                text = Tensor.concat(textViews, axis: 1)
                image = Tensor.concat(imageViews, axis: 1)
            }
            if let textCorrelation, let imageCorrelation {
                let joint = Tensor.concat([text, image], axis: 1)                                 // L = [X_text; X_image]
                (text, image) = (textCorrelation(text, joint: joint), imageCorrelation(image, joint: joint))  // (12-14)
            }
            fused = Tensor.concat([text, image], axis: 1)                                          // (15)
        }
        intermediates["fused"] = fused.detached()
        let logits = classifier(classifierHidden(dropout(fused)).relu())                          // (16)

        var auxiliaryLosses: [String: Tensor] = [:]
        if let labels = batch.labels {
            guard labels.count == b else {
                throw FusionModelError.inconsistentBatch("batch of \(b) with \(labels.count) labels")
            }
            let loss = CrossEntropyLoss()
            if configuration.viewHeadWeight != 0 {
                let summed = stackedLogits.sum(axis: 1)                                           // Σ_u W^u z^u + b
                auxiliaryLosses["view_heads"] = try loss(summed, targets: labels) * configuration.viewHeadWeight
            }
            if contrastive {
                let supervised = SupervisedContrastiveLoss(temperature: configuration.contrastiveTemperature)
                auxiliaryLosses["supcon"] = try supervised(fused, labels: labels) * configuration.contrastiveWeight  // (18, 19)
            }
        }
        return ModelOutput(logits: logits, auxiliaryLosses: auxiliaryLosses, intermediates: intermediates)
    }
}

extension BMLHF {
    /// The registry entry: the three datasets of Table 1 as presets (section 4.2 gives one
    /// setting for all three).
    static let descriptor = ModelDescriptor(
        id: "bmlhf",
        paper: "Wu, Chen, Gao, Ji, Jing. Balanced multi-modal learning with hierarchical fusion for fake news detection",
        ablations: ablations,
        presets: [
            ModelPreset(name: "weibo", task: "fake news detection", classCount: 2, configuration: "{}"),
            ModelPreset(name: "twitter", task: "fake news detection", classCount: 2, configuration: "{}"),
            ModelPreset(name: "fakeddit", task: "fake news detection (2-way labels)", classCount: 2, configuration: "{}"),
        ],
        make: { json, classes, seed in
            let configuration = try ConfigurationCoding.decode(json, defaults: BMLHFConfiguration(), model: "bmlhf")
            return try BMLHF(configuration: configuration, classes: classes, seed: seed)
        })
}
