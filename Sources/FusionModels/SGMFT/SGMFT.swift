import Foundation
import NeuralNetwork

/// SG-MFT, the Similarity Guided Multimodal Fusion Transformer for semantic location
/// prediction: similarity-guided interaction (SIM), similarity-aware fusion (SFM) and a
/// five-layer classifier over CLIP text and image token sequences. docs/models/sgmft.md
/// maps every equation of the paper to the line that computes it.
///
/// F_t = TextProjection(T) ⊙ present_t, F_i = ImageProjection(I) ⊙ present_i   [B, L, D]
/// S^m = mean(F_t) ⊙ mean(F_i), P^m = softmax(S^m)                           (1, 3)
/// S^e = F_t F_iᵀ, P^e = rowsoftmax(S^e)                                      (2, 4)
/// F_t^S, F_i^S = SIM(F_t, F_i, P^m, P^e)                                     (6-16)
/// M_fuse = mean(MHA_t(F_t^S, F_i^S, F_i^S)) + mean(MHA_i(F_i^S, F_t^S, F_t^S)) (17)
/// logits = MC(M_fuse), five fully connected layers with ReLU                (18)
///
/// Inputs: `text.layers` [B, N ≥ 1, L_t, d_t] (the last layer is read: the text tower's
/// token sequence) and `image.grid` [B, L_i, d_i] (the image tower's token sequence).
/// Intermediates: `sim.modality_similarity` P^m [B, D], `sim.element_similarity` P^e
/// [B, L_t, L_i]. No auxiliary losses (the paper trains with cross-entropy only, eq. 19).
public final class SGMFT: FusionModel {
    public var isTraining = true
    public let id = "sgmft"
    /// The configuration the model was built with.
    public let configuration: SGMFTConfiguration
    let textProjection: Linear
    let imageProjection: Linear
    let interaction: SimilarityGuidedInteraction?
    let textFusion: MultiHeadAttention?
    let imageFusion: MultiHeadAttention?
    let textSelfFusion: MultiHeadAttention?
    let imageSelfFusion: MultiHeadAttention?
    let mergeFusion: MultiHeadAttention?
    let classifier: ModuleList<Linear>
    let dropout: Dropout
    let imageWise: Bool

    /// The ablation switches of the paper's Tables 2 and 4: `no-sim` (CLIP + SFM: the
    /// projected features go to SFM directly), `no-sfm` (CLIP + SIM: M_fuse = mean(F_t^S) +
    /// mean(F_i^S)), both (CLIP + classifier), and `image-wise-ffn` (Table 4: the
    /// similarity-aware feed-forward block serves the image with P^e' = rowsoftmax(F_i F_tᵀ)).
    /// Table 3 replaces SFM by another fusion module: `asymmetric-co-attention` (text
    /// self-attention, then text → image cross-attention), `merge-attention` (one
    /// self-attention over the concatenated tokens) or `co-attention` (self-attention per
    /// stream, then cross-attention each way).
    public static let ablations = ["no-sim", "no-sfm", "image-wise-ffn", "asymmetric-co-attention", "merge-attention",
                                   "co-attention"]
    static let fusionAlternatives: Set<String> = ["no-sfm", "asymmetric-co-attention", "merge-attention", "co-attention"]

    /// A randomly initialised model (PyTorch's default initialisation) for `classes` classes.
    /// - Throws: `FusionModelError` for an unknown ablation or an invalid size.
    public init(configuration: SGMFTConfiguration, classes: Int, seed: UInt64) throws {
        let c = configuration
        for name in c.ablations where !Self.ablations.contains(name) {
            throw FusionModelError.unknownAblation(model: "sgmft", name: name, known: Self.ablations)
        }
        guard classes >= 2, c.textHiddenSize >= 1, c.imageHiddenSize >= 1, c.modelDimension >= 1, c.headCount >= 1,
              c.modelDimension % c.headCount == 0, c.feedForwardDimension >= 0, c.classifierHiddenSizes.count == 4,
              c.classifierHiddenSizes.allSatisfy({ $0 >= 1 }), c.dropout >= 0, c.dropout < 1
        else {
            throw FusionModelError.invalidConfiguration(
                model: "sgmft", reason: "classes ≥ 2, every size ≥ 1, model_dimension a multiple of head_count, "
                    + "four classifier_hidden_sizes and dropout in [0, 1) are required")
        }
        let ablated = Set(c.ablations)
        guard ablated.intersection(Self.fusionAlternatives).count <= 1 else {
            throw FusionModelError.invalidConfiguration(
                model: "sgmft", reason: "choose at most one of no-sfm, asymmetric-co-attention, merge-attention, co-attention")
        }
        self.configuration = c
        imageWise = ablated.contains("image-wise-ffn")
        var generator = RandomGenerator(seed: seed)
        let d = c.modelDimension
        textProjection = Linear(inputSize: c.textHiddenSize, outputSize: d, generator: &generator)
        imageProjection = Linear(inputSize: c.imageHiddenSize, outputSize: d, generator: &generator)
        interaction = ablated.contains("no-sim") ? nil
            : SimilarityGuidedInteraction(dimension: d, headCount: c.headCount, feedForward: c.resolvedFeedForwardDimension,
                                          imageWise: imageWise, generator: &generator)
        func attention(_ used: Bool) -> MultiHeadAttention? {
            used ? MultiHeadAttention(embedDimension: d, headCount: c.headCount, generator: &generator) : nil
        }
        let asymmetric = ablated.contains("asymmetric-co-attention"), merge = ablated.contains("merge-attention")
        let coAttention = ablated.contains("co-attention"), noFusion = ablated.contains("no-sfm")
        textSelfFusion = attention(asymmetric || coAttention)
        imageSelfFusion = attention(coAttention)
        mergeFusion = attention(merge)
        textFusion = attention(!noFusion && !merge)
        imageFusion = attention(!noFusion && !merge && !asymmetric)
        let sizes = [d] + c.classifierHiddenSizes + [classes]
        classifier = ModuleList((0..<5).map { Linear(inputSize: sizes[$0], outputSize: sizes[$0 + 1], generator: &generator) })
        dropout = Dropout(probability: c.dropout, seed: generator.next())
    }

    public var children: [(String, any Module)] {
        var result: [(String, any Module)] = [("text_projection", textProjection), ("image_projection", imageProjection)]
        if let interaction { result.append(("sim", interaction)) }
        if let textSelfFusion { result.append(("sfm_text_self", textSelfFusion)) }
        if let imageSelfFusion { result.append(("sfm_image_self", imageSelfFusion)) }
        if let mergeFusion { result.append(("sfm_merge", mergeFusion)) }
        if let textFusion { result.append(("sfm_text", textFusion)) }
        if let imageFusion { result.append(("sfm_image", imageFusion)) }
        return result + [("classifier", classifier), ("dropout", dropout)]
    }

    public var requirements: FeatureRequirements {
        FeatureRequirements(textLayerCount: 1, textTokenSequences: true, imageGrid: true)
    }

    public func configurationJSON() throws -> Data { try ConfigurationCoding.encode(configuration) }

    public func forward(_ batch: ModelInputs) throws -> ModelOutput {
        let c = configuration
        let b = batch.batchSize
        let layers = try batch.feature(FeatureName.textLayers, shape: [b, nil, nil, c.textHiddenSize])
        let tokens = try batch.feature(FeatureName.imageGrid, shape: [b, nil, c.imageHiddenSize])
        guard layers.shape[1] >= 1, layers.shape[2] >= 1 else {
            throw FusionModelError.featureShape(name: FeatureName.textLayers, expected: [b, nil, nil, c.textHiddenSize],
                                                found: layers.shape)
        }
        guard tokens.shape[1] >= 1 else {
            throw FusionModelError.featureShape(name: FeatureName.imageGrid, expected: [b, nil, c.imageHiddenSize],
                                                found: tokens.shape)
        }
        let last = layers.shape[1] - 1
        let textTokens = layers.slice(axis: 1, last..<(last + 1)).squeezed(1)
        let text = textProjection(textTokens) * batch.textPresenceTensor.reshaped([b, 1, 1])
        let image = imageProjection(tokens) * batch.imagePresenceTensor.reshaped([b, 1, 1])
        var intermediates: [String: Tensor] = [:]
        var textStream = text, imageStream = image
        if let interaction {
            let modalityScores = text.mean(axis: 1) * image.mean(axis: 1)                         // (1)
            let modality = modalityScores.softmax(axis: 1)                                         // (3)
            let element = imageWise
                ? image.matmul(text, transposeOther: true).softmax(axis: 2)                        // Table 4
                : text.matmul(image, transposeOther: true).softmax(axis: 2)                        // (2, 4)
            (textStream, imageStream) = interaction(text: text, image: image, modality: modality.unsqueezed(1),
                                                    element: element)                              // (6-16)
            intermediates["sim.modality_similarity"] = modality.detached()
            intermediates["sim.element_similarity"] = element.detached()
        }
        var fused: Tensor
        if let textSelfFusion {
            textStream = textSelfFusion(query: textStream, key: textStream, value: textStream).output
        }
        if let imageSelfFusion {
            imageStream = imageSelfFusion(query: imageStream, key: imageStream, value: imageStream).output
        }
        if let mergeFusion {
            let merged = Tensor.concat([textStream, imageStream], axis: 1)
            fused = mergeFusion(query: merged, key: merged, value: merged).output.mean(axis: 1)
        } else if let textFusion, imageFusion == nil {
            fused = textFusion(query: textStream, key: imageStream, value: imageStream).output.mean(axis: 1)
        } else if let textFusion, let imageFusion {
            let textAttended = textFusion(query: textStream, key: imageStream, value: imageStream).output
            let imageAttended = imageFusion(query: imageStream, key: textStream, value: textStream).output
            fused = textAttended.mean(axis: 1) + imageAttended.mean(axis: 1)                       // (17)
        } else {
            fused = textStream.mean(axis: 1) + imageStream.mean(axis: 1)
        }
        intermediates["fused"] = fused.detached()
        for (index, layer) in classifier.modules.enumerated() {                                    // (18)
            fused = layer(fused)
            if index < classifier.count - 1 { fused = dropout(fused.relu()) }
        }
        return ModelOutput(logits: fused, intermediates: intermediates)
    }
}

extension SGMFT {
    /// The registry entry: the paper's Weibo semantic-location setting (section 4.3).
    static let descriptor = ModelDescriptor(
        id: "sgmft",
        paper: "Similarity Guided Multimodal Fusion Transformer for Semantic Location Prediction in Social Media (SG-MFT)",
        ablations: ablations,
        presets: [
            ModelPreset(name: "weibo", task: "semantic location prediction (7 places)", classCount: 7,
                        configuration: #"{"text_hidden_size": 1024, "image_hidden_size": 1280, "model_dimension": 1024, "#
                            + #""head_count": 8, "training": {"learning_rate": 0.00001, "weight_decay": 0, "#
                            + #""batch_size": 20, "epochs": 30}}"#),
        ],
        make: { json, classes, seed in
            let configuration = try ConfigurationCoding.decode(json, defaults: SGMFTConfiguration(), model: "sgmft")
            return try SGMFT(configuration: configuration, classes: classes, seed: seed)
        })
}
