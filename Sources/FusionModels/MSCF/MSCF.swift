import Foundation
import NeuralNetwork

/// MSCF (Liu, Bai, Cheng, Gui, Computer Science 2024): multi-scale cross-modal feature
/// fusion of frozen BERT-base tokens and ResNet-50 grid features for image-text sentiment.
/// docs/models/mscf.md maps every equation of the paper to the line that computes it.
///
/// Emb_I = gelu(W_I Concat(AvgPool(V), V) + b_I)        (1-4)  [B, 1+m, d_i]
/// Emb_T = gelu(W_T E_T + b_T)                          (5, 6) [B, n, d_i]
/// (Emb_T′, Emb_I′) = CrossModalAttention(Emb_T, Emb_I)  (7-11)
/// Emb_f = T(Concat(Emb_T, Emb_T′, Emb_I′, Emb_I))       (12)
/// logits = W_p MaxPool(Emb_f) + b_p                     (14, 15)
/// Training adds the image-guided MLM loss `mlm` (17-25): the 25% of tokens most similar
/// to the image's global vector are masked, the same T re-fuses the sequence and W_q
/// predicts the original ids from the text rows.
///
/// Inputs: `text.layers` [B, ≥1, n, d_t] (the last layer is read), `image.grid` [B, m, C],
/// and while training with MLM `text.token_ids` [B, n] (ids as Float).
/// Auxiliary losses (training with MLM): `mlm`. Intermediates: `mlm.similarity` [B, n]
/// (S_m of equation 18) and `mlm.selected` [B, n] (1 at masked positions).
public final class MSCF: FusionModel {
    public var isTraining = true
    public let id = "mscf"
    /// The configuration the model was built with.
    public let configuration: MSCFConfiguration
    /// For `mlm: faithful`: the frozen text encoder's last hidden layer [B, n, d_t] of the
    /// given token ids [B][n] (ids with "[mask]" written at the selected positions,
    /// equation 21). Training with `faithful` MLM throws without it.
    public var textEncoder: (([[Int]]) throws -> Tensor)?
    let imageProjection: Linear
    let textProjection: Linear
    let encoder: ModuleList<TransformerEncoderLayer>
    let globalEncoder: ModuleList<TransformerEncoderLayer>?
    let maskEmbedding: Tensor?
    let mlmHead: Linear?
    let dropout: Dropout
    let classifier: Linear
    let useCrossAttention: Bool
    let useMLM: Bool

    /// The ablation switches of Table 4 and Table 2: `no-mlm` (-MLM loss),
    /// `no-cross-attention` (-cross-modal attention: T over [Emb_T, Emb_I]; both together
    /// are the table's last row), `no-shared-parameters` (‡: a second transformer of the
    /// same size computes equation 22).
    public static let ablations = ["no-mlm", "no-cross-attention", "no-shared-parameters"]

    /// A randomly initialised model (PyTorch's default initialisation; the mask vector
    /// N(0, 0.02²)) for `classes` classes.
    /// - Throws: `FusionModelError` for an unknown ablation or an invalid value.
    public init(configuration: MSCFConfiguration, classes: Int, seed: UInt64) throws {
        let c = configuration
        for name in c.ablations where !Self.ablations.contains(name) {
            throw FusionModelError.unknownAblation(model: "mscf", name: name, known: Self.ablations)
        }
        guard classes >= 2, c.textHiddenSize >= 1, c.textLength >= 1, c.imageChannels >= 1, c.imagePositions >= 1,
              c.modelDimension >= 1, c.layerCount >= 1, c.headCount >= 1, c.modelDimension % c.headCount == 0,
              c.feedForwardDimension >= 1, c.dropout >= 0, c.dropout < 1, c.maskRate > 0, c.maskRate <= 1,
              c.vocabularySize >= 1, (0..<c.vocabularySize).contains(c.maskTokenId), ["fast", "faithful"].contains(c.mlm)
        else {
            throw FusionModelError.invalidConfiguration(
                model: "mscf", reason: "classes ≥ 2, every size ≥ 1, model_dimension divisible by head_count, dropout in [0, 1), "
                    + "mask_rate in (0, 1], mask_token_id inside the vocabulary and mlm fast|faithful are required")
        }
        self.configuration = c
        let ablated = Set(c.ablations)
        useCrossAttention = !ablated.contains("no-cross-attention")
        useMLM = !ablated.contains("no-mlm")
        var generator = RandomGenerator(seed: seed)
        let d = c.modelDimension
        func makeEncoder() -> ModuleList<TransformerEncoderLayer> {
            ModuleList((0..<c.layerCount).map { _ in
                TransformerEncoderLayer(embedDimension: d, headCount: c.headCount, feedForwardDimension: c.feedForwardDimension,
                                        dropout: c.dropout, generator: &generator)
            })
        }
        imageProjection = Linear(inputSize: c.imageChannels, outputSize: d, generator: &generator)
        textProjection = Linear(inputSize: c.textHiddenSize, outputSize: d, generator: &generator)
        encoder = makeEncoder()
        globalEncoder = useMLM && ablated.contains("no-shared-parameters") ? makeEncoder() : nil
        maskEmbedding = useMLM && c.mlm == "fast"
            ? Initializer.normal([d], std: 0.02, generator: &generator) : nil
        mlmHead = useMLM ? Linear(inputSize: d, outputSize: c.vocabularySize, generator: &generator) : nil
        classifier = Linear(inputSize: d, outputSize: classes, generator: &generator)
        dropout = Dropout(probability: c.dropout, seed: generator.next())
    }

    public var ownParameters: [(String, Tensor)] { maskEmbedding.map { [("mask_embedding", $0)] } ?? [] }

    public var children: [(String, any Module)] {
        var result: [(String, any Module)] = [
            ("image_projection", imageProjection), ("text_projection", textProjection), ("encoder", encoder),
        ]
        if let globalEncoder { result.append(("global_encoder", globalEncoder)) }
        if let mlmHead { result.append(("mlm_head", mlmHead)) }
        result += [("dropout", dropout), ("classifier", classifier)]
        return result
    }

    public var requirements: FeatureRequirements {
        FeatureRequirements(textLayerCount: 1, textTokenSequences: true, imageGrid: true, textTokenIds: useMLM)
    }

    public func configurationJSON() throws -> Data { try ConfigurationCoding.encode(configuration) }

    func encode(_ sequence: Tensor, with layers: ModuleList<TransformerEncoderLayer>) -> Tensor {
        (0..<layers.count).reduce(sequence) { x, index in layers[index](x) }
    }

    public func forward(_ batch: ModelInputs) throws -> ModelOutput {
        let c = configuration
        let b = batch.batchSize, n = c.textLength
        let grid = try batch.feature(FeatureName.imageGrid, shape: [b, c.imagePositions, c.imageChannels])
        let layers = try batch.feature(FeatureName.textLayers, shape: [b, nil, n, c.textHiddenSize])
        guard layers.shape[1] >= 1 else {
            throw FusionModelError.featureShape(name: FeatureName.textLayers, expected: [b, 1, n, c.textHiddenSize], found: layers.shape)
        }
        let last = layers.shape[1] - 1
        let tokens = layers.slice(axis: 1, last..<(last + 1)).squeezed(1)                   // E_T (5)
        let textPresence = batch.textPresenceTensor.reshaped([b, 1, 1])
        let imagePresence = batch.imagePresenceTensor.reshaped([b, 1, 1])
        let global = grid.mean(axis: 1).unsqueezed(1)                                      // (2)
        let imageInput = Tensor.concat([global, grid], axis: 1)                            // (3)
        let image = imageProjection(imageInput).gelu() * imagePresence                     // (4)
        let text = textProjection(tokens).gelu() * textPresence                            // (6)
        var guided: [Tensor] = []
        if useCrossAttention {
            let (textGuided, imageGuided) = CrossModalAttention.apply(text: text, image: image)  // (7-11)
            guided = [textGuided, imageGuided]
        }
        let fused = encode(Tensor.concat([text] + guided + [image], axis: 1), with: encoder)   // (12)
        let pooled = fused.max(alongAxis: 1)                                                // (14)
        let logits = classifier(dropout(pooled))                                            // (15)
        guard useMLM, isTraining, let mlmHead else { return ModelOutput(logits: logits, intermediates: ["fused": pooled.detached()]) }

        // Global feature fusion: the image-guided MLM loss (17-25).
        let idTensor = try batch.feature(FeatureName.textTokenIds, shape: [b, n])
        let flatIds = idTensor.scalars.map { Int($0) }
        if let bad = flatIds.first(where: { $0 < 0 || $0 >= c.vocabularySize }) {
            throw FusionModelError.invalidConfiguration(
                model: "mscf", reason: "token id \(bad) in '\(FeatureName.textTokenIds)' is outside vocabulary_size \(c.vocabularySize); "
                    + "set vocabulary_size to the text encoder's vocabulary")
        }
        let tokenIds = (0..<b).map { Array(flatIds[($0 * n)..<(($0 + 1) * n)]) }
        let similarity = withoutGradients {
            image.slice(axis: 1, 0..<1).matmul(text, transposeOther: true).squeezed(1)       // Emb_global · Emb_Tᵀ
        }
        let selected = ImageGuidedMasking.select(scores: similarity, tokenIds: tokenIds, rate: c.maskRate,   // (19)
                                                 specialTokenIds: Set(c.specialTokenIds), textPresent: batch.textPresent)
        var selectedMask = [Float](repeating: 0, count: b * n)
        for (sample, positions) in selected.enumerated() { for p in positions { selectedMask[sample * n + p] = 1 } }
        let intermediates = ["mlm.similarity": similarity.softmax(axis: 1),                   // (18)
                             "mlm.selected": Tensor(shape: [b, n], scalars: selectedMask), "fused": pooled.detached()]
        let flatSelected = selected.enumerated().flatMap { sample, positions in positions.map { sample * n + $0 } }
        guard !flatSelected.isEmpty else { return ModelOutput(logits: logits, intermediates: intermediates) }
        let maskedText: Tensor
        if let maskEmbedding {
            // fast: the selected rows of Emb_T become the learned mask vector.
            let mask = Tensor(shape: [b, n, 1], scalars: selectedMask)
            maskedText = text * (1 - mask) + mask * maskEmbedding
        } else {
            guard let textEncoder else {
                throw FusionModelError.invalidConfiguration(
                    model: "mscf", reason: "mlm 'faithful' trains with the frozen text encoder: set MSCF.textEncoder, or use mlm 'fast'")
            }
            var maskedIds = tokenIds                                                        // (20)
            for (sample, positions) in selected.enumerated() { for p in positions { maskedIds[sample][p] = c.maskTokenId } }
            let encoded = try withoutGradients { try textEncoder(maskedIds) }               // (21)
            guard encoded.shape == [b, n, c.textHiddenSize] else {
                throw FusionModelError.featureShape(name: "MSCF.textEncoder output", expected: [b, n, c.textHiddenSize],
                                                    found: encoded.shape)
            }
            maskedText = textProjection(encoded).gelu() * textPresence
        }
        let globalFused = encode(Tensor.concat([maskedText] + guided + [image], axis: 1),   // (22)
                                 with: globalEncoder ?? encoder)
        let textRows = globalFused.slice(axis: 1, 0..<n)                                    // (23)
            .reshaped([b * n, c.modelDimension]).indexSelect(axis: 0, flatSelected)
        let tokenLogits = mlmHead(textRows)                                                 // (24)
        let mlmLoss = try CrossEntropyLoss()(tokenLogits, targets: flatSelected.map { flatIds[$0] })  // (25)
        return ModelOutput(logits: logits, auxiliaryLosses: ["mlm": mlmLoss], intermediates: intermediates)
    }
}

extension MSCF {
    /// The registry entry: the two MVSA datasets of section 4.2 as presets.
    static let descriptor = ModelDescriptor(
        id: "mscf",
        paper: "Liu, Bai, Cheng, Gui. Image-text sentiment classification model based on multi-scale cross-modal feature fusion. "
            + "Computer Science 51(9), 2024",
        ablations: ablations,
        presets: [
            ModelPreset(name: "mvsa-single", task: "image-text sentiment (positive, neutral, negative)", classCount: 3,
                        configuration: #"{"layer_count": 3, "training": {"learning_rate": 2e-05, "weight_decay": 0.01, "#
                            + #""batch_size": 64, "epochs": 10}}"#),
            ModelPreset(name: "mvsa-multiple", task: "image-text sentiment (positive, neutral, negative)", classCount: 3,
                        configuration: #"{"layer_count": 4, "training": {"learning_rate": 4e-05, "weight_decay": 0.01, "#
                            + #""batch_size": 64, "epochs": 10}}"#),
        ],
        make: { json, classes, seed in
            let configuration = try ConfigurationCoding.decode(json, defaults: MSCFConfiguration(), model: "mscf")
            return try MSCF(configuration: configuration, classes: classes, seed: seed)
        })
}
