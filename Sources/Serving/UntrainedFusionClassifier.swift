import FusionModels
import Foundation

extension FusionPostClassifier {
    /// A classifier over `featurizer`'s pooled features with a freshly initialised (untrained)
    /// fusion model `modelId` seeded by `seed`: for trying the server and measuring it
    /// before a model is trained. Its predictions carry no meaning.
    /// - Throws: `ServingSetupError` when the model reads features other than `text.pooled`
    ///   and `image.pooled`; `FusionModelError` for an unknown id.
    public static func untrained(modelId: String, labels: [String], seed: UInt64,
                                 featurizer: PooledEncoderFeaturizer) throws -> FusionPostClassifier {
        let configuration: [String: Any] = ["text_hidden_size": featurizer.textFeatureSize,
                                            "image_channels": featurizer.imageFeatureSize]
        let model = try ModelRegistry.make(id: modelId, config: try JSONSerialization.data(withJSONObject: configuration),
                                           classes: labels.count, seed: seed)
        let unsupported = Set(model.requirements.featureNames).subtracting(featurizer.featureNames)
        guard unsupported.isEmpty else {
            throw ServingSetupError("model '\(modelId)' reads \(unsupported.sorted().joined(separator: ", ")), which the "
                + "pooled encoders do not compute; use concat, late-fusion, text-only or image-only")
        }
        return try FusionPostClassifier(model: model, featurizer: featurizer, labels: labels,
                                        source: "untrained \(modelId), seed \(seed)")
    }
}
