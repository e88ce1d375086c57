import FusionModels
import Foundation

/// Turns raw posts into the feature batch a fusion model reads. The encoder chain behind
/// it must compute exactly what the model was trained on.
public protocol PostFeaturizer: AnyObject {
    /// The feature names `inputs(for:)` fills.
    var featureNames: [String] { get }
    /// The encoders behind the features, for the model card.
    var encoderDescriptions: [String: String] { get }
    /// The batch for `posts`: one row per post, with the modality masks set from which
    /// posts have text and which have an image.
    func inputs(for posts: [RawPost]) throws -> ModelInputs
}
