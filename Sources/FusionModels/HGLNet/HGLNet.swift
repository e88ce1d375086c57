import Foundation
import NeuralNetwork

/// HGLNet (Wu, Zhao, Xu, ICASSP 2023): hierarchical global-local fusion of BERT's last
/// layers and ResNet-50's grid and global vectors. docs/models/hglnet.md maps every
/// equation of the paper to the line that computes it.
///
/// For each of the last N text layers l (N = 4):
/// (w₁, w₂) = GGA(e_cls,l, v_g)                         (4-7)
/// E′_l = TextAlign(E_l) ⊗ w₁, V′_l = ImageAlign(V) ⊗ w₂  (8, 9)
/// O_l = GAP(ReLU(CRT_{⌊l·K/N⌋}(E′_l, V′_l)))          (10-16), K = 2 shared CRTs
/// O = Concat(O₁ … O_N, f_concat,₁ … f_concat,N)      (17)
/// logits = Dropout(O) W_c + b_c.
///
/// Inputs: `text.cls_layers` [B, ≥N, d_t], `text.layers` [B, ≥N, d_n, d_t], `image.grid`
/// [B, H·W, C], `image.logits` [B, 1000] (or `image.pooled` with `image_global = pooled`).
/// A sample without text (image) has w₁ (w₂) set to 0.
/// Intermediates: `gga.weights` [B, N, 2]; `crt.<l>.text_to_image` and
/// `crt.<l>.image_to_text` [B, d_n, d_n], attention averaged over heads.
public final class HGLNet: FusionModel {
    public var isTraining = true
    public let id = "hglnet"
    /// The configuration the model was built with.
    public let configuration: HGLNetConfiguration
    let gate: GlobalGatedAttention?
    let textAlignment: TextAlignment?
    let imageAlignment: ImageAlignment?
    let transformers: ModuleList<CrossResidualTransformer>?
    let dropout: Dropout
    let classifier: Linear
    let useText: Bool
    let useImage: Bool
    let layerCount: Int

    /// The ablation switches of the paper's Table 3, plus one for the DCRSA residual:
    /// `no-text` (-T), `no-image` (-V), `no-hierarchy` (-H: the last layer only),
    /// `no-gga` (-G: w₁ = w₂ = 1, no f_concat), `no-crt` (-C: O_l = GAP(ReLU([E′_l, V′_l]))),
    /// `no-residual` (DCRSA without the cross residual of equation 10).
    public static let ablations = ["no-text", "no-image", "no-hierarchy", "no-gga", "no-crt", "no-residual"]

    /// A randomly initialised model (PyTorch's default initialisation) for `classes` classes.
    /// - Throws: `FusionModelError` for an unknown ablation or an invalid size.
    public init(configuration: HGLNetConfiguration, classes: Int, seed: UInt64) throws {
        let c = configuration
        for name in c.ablations where !Self.ablations.contains(name) {
            throw FusionModelError.unknownAblation(model: "hglnet", name: name, known: Self.ablations)
        }
        guard classes >= 2, c.textLayerCount >= 1, c.crtCount >= 1, c.modelDimension >= 1, c.headCount >= 1,
              c.gateDimension >= 1, c.textLength >= 1, c.imageGridHeight >= 1, c.imageGridWidth >= 1,
              c.dropout >= 0, c.dropout < 1, ["logits", "pooled"].contains(c.imageGlobal)
        else {
            throw FusionModelError.invalidConfiguration(
                model: "hglnet", reason: "classes ≥ 2, every size ≥ 1, dropout in [0, 1) and image_global logits|pooled are required")
        }
        self.configuration = c
        let ablated = Set(c.ablations)
        useText = !ablated.contains("no-text")
        useImage = !ablated.contains("no-image")
        guard useText || useImage else {
            throw FusionModelError.invalidConfiguration(model: "hglnet", reason: "no-text and no-image leave no input")
        }
        layerCount = ablated.contains("no-hierarchy") ? 1 : c.textLayerCount
        let bimodal = useText && useImage
        let useGate = bimodal && !ablated.contains("no-gga")
        let useTransformer = bimodal && !ablated.contains("no-crt")
        var generator = RandomGenerator(seed: seed)
        let d = c.modelDimension
        gate = useGate ? GlobalGatedAttention(textSize: c.textHiddenSize, imageSize: c.imageGlobalSize,
                                              gateDimension: c.gateDimension, generator: &generator) : nil
        textAlignment = useText ? TextAlignment(inputSize: c.textHiddenSize, modelDimension: d, generator: &generator) : nil
        imageAlignment = useImage ? ImageAlignment(channels: c.imageChannels, gridHeight: c.imageGridHeight,
                                                   gridWidth: c.imageGridWidth, rows: c.textLength,
                                                   modelDimension: d, generator: &generator) : nil
        if useTransformer {
            let count = Swift.min(c.crtCount, layerCount)
            transformers = ModuleList((0..<count).map { _ in
                CrossResidualTransformer(dimension: d, headCount: c.headCount, feedForward: c.resolvedFeedForwardDimension,
                                         residual: !ablated.contains("no-residual"), generator: &generator)
            })
        } else {
            transformers = nil
        }
        let fusedSize: Int
        if bimodal {
            fusedSize = layerCount * (2 * d + (useGate ? 2 * c.gateDimension : 0))
        } else {
            fusedSize = useText ? layerCount * d : d
        }
        classifier = Linear(inputSize: fusedSize, outputSize: classes, generator: &generator)
        dropout = Dropout(probability: c.dropout, seed: generator.next())
    }

    public var children: [(String, any Module)] {
        var result: [(String, any Module)] = []
        if let gate { result.append(("gga", gate)) }
        if let textAlignment { result.append(("text_align", textAlignment)) }
        if let imageAlignment { result.append(("image_align", imageAlignment)) }
        if let transformers { result.append(("crt", transformers)) }
        result += [("dropout", dropout), ("classifier", classifier)]
        return result
    }

    public var requirements: FeatureRequirements {
        FeatureRequirements(
            textLayerCount: useText ? layerCount : 0, textClassTokens: gate != nil, textTokenSequences: useText,
            imageGrid: useImage, imagePooled: gate != nil && configuration.imageGlobal == "pooled",
            imageLogits: gate != nil && configuration.imageGlobal == "logits")
    }

    public func configurationJSON() throws -> Data { try ConfigurationCoding.encode(configuration) }

    public func forward(_ batch: ModelInputs) throws -> ModelOutput {
        let c = configuration
        let b = batch.batchSize
        var intermediates: [String: Tensor] = [:]
        let image: Tensor? = try imageAlignment.map { alignment in
            let grid = try batch.feature(FeatureName.imageGrid, shape: [b, c.imageGridHeight * c.imageGridWidth, c.imageChannels])
            return alignment(grid)
        }
        guard let textAlignment else {
            // -T: the image stream alone.
            let pooled = (image ?? Tensor.zeros([b, c.textLength, c.modelDimension])).relu().mean(axis: 1)
            return ModelOutput(logits: classifier(dropout(pooled)), intermediates: ["fused": pooled.detached()])
        }
        let tokens = try batch.feature(FeatureName.textLayers, shape: [b, nil, c.textLength, c.textHiddenSize])
        let available = tokens.shape[1]
        guard available >= layerCount else {
            throw FusionModelError.featureShape(name: FeatureName.textLayers, expected: [b, layerCount, c.textLength, c.textHiddenSize],
                                                found: tokens.shape)
        }
        var classTokens: Tensor?
        var imageGlobal: Tensor?
        if gate != nil {
            classTokens = try batch.feature(FeatureName.textClassLayers, shape: [b, available, c.textHiddenSize])
            let name = c.imageGlobal == "pooled" ? FeatureName.imagePooled : FeatureName.imageLogits
            imageGlobal = try batch.feature(name, shape: [b, c.imageGlobalSize])
        }
        let textPresence = batch.textPresenceTensor.reshaped([b, 1, 1])
        let imagePresence = batch.imagePresenceTensor.reshaped([b, 1, 1])
        var pooled: [Tensor] = []
        var fusedGlobals: [Tensor] = []
        var gateWeights: [Tensor] = []
        for l in 0..<layerCount {
            let layer = available - layerCount + l
            var text = textAlignment(tokens.slice(axis: 1, layer..<(layer + 1)).squeezed(1)) * textPresence  // (8)
            guard var layerImage = image.map({ $0 * imagePresence }) else {
                // -V: the text stream alone.
                pooled.append(text.relu().mean(axis: 1))
                continue
            }
            if let gate, let classTokens, let imageGlobal {
                let global = classTokens.slice(axis: 1, layer..<(layer + 1)).squeezed(1)
                let (weights, fused) = gate(textGlobal: global, imageGlobal: imageGlobal)            // (4-7)
                text = text * weights.slice(axis: 1, 0..<1).unsqueezed(2)                          // (8)
                layerImage = layerImage * weights.slice(axis: 1, 1..<2).unsqueezed(2)              // (9)
                gateWeights.append(weights.detached())
                fusedGlobals.append(fused)
            }
            let combined: Tensor
            if let transformers {
                let crt = transformers[l * transformers.count / layerCount]
                let result = crt(text: text, image: layerImage)                                    // (10-16)
                combined = result.output
                intermediates["crt.\(l).text_to_image"] = result.textToImage
                intermediates["crt.\(l).image_to_text"] = result.imageToText
            } else {
                combined = Tensor.concat([text, layerImage], axis: 2)
            }
            pooled.append(combined.relu().mean(axis: 1))                                           // O_l
        }
        if !gateWeights.isEmpty { intermediates["gga.weights"] = Tensor.stack(gateWeights, axis: 1) }
        let features = Tensor.concat(pooled + fusedGlobals, axis: 1)                               // (17)
        intermediates["fused"] = features.detached()
        return ModelOutput(logits: classifier(dropout(features)), intermediates: intermediates)
    }
}

extension HGLNet {
    /// The registry entry: the three datasets of Table 2 as presets.
    static let descriptor = ModelDescriptor(
        id: "hglnet",
        paper: "Wu, Zhao, Xu. HGLNet: a generic hierarchical global-local feature fusion network for multi-modal classification. ICASSP 2023",
        ablations: ablations,
        presets: [
            ModelPreset(name: "weibo", task: "fake news detection", classCount: 2,
                        configuration: #"{"text_length": 140, "model_dimension": 32, "head_count": 4, "training": {"#
                            + #""learning_rate": 0.0001, "weight_decay": 0.01, "batch_size": 128, "epochs": 30}}"#),
            ModelPreset(name: "yelp", task: "sentiment analysis (ratings 1-5)", classCount: 5,
                        configuration: #"{"text_length": 300, "model_dimension": 64, "head_count": 8, "training": {"#
                            + #""learning_rate": 0.0002, "weight_decay": 0.1, "batch_size": 160, "epochs": 40}}"#),
            ModelPreset(name: "cmcd-i", task: "tweet classification (18 topics)", classCount: 18,
                        configuration: #"{"text_length": 300, "model_dimension": 64, "head_count": 4, "training": {"#
                            + #""learning_rate": 0.0001, "weight_decay": 0.1, "batch_size": 180, "epochs": 40}}"#),
        ],
        make: { json, classes, seed in
            let configuration = try ConfigurationCoding.decode(json, defaults: HGLNetConfiguration(), model: "hglnet")
            return try HGLNet(configuration: configuration, classes: classes, seed: seed)
        })
}
