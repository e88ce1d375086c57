import FusionModels
import Foundation
import Tensors

/// A `PostClassifier` made of a featurizer (encoders) and a fusion model: features for the
/// batch, the model's forward pass in inference mode, softmax(logits / T).
///
/// Per-sample intermediates the model reports with at most `maximumSignalSize` values per
/// post (gates, modality weights, per-modality logits) are returned as `signals`.
public final class FusionPostClassifier: PostClassifier, @unchecked Sendable {
    /// The fusion model.
    public let model: any FusionModel
    /// The encoders computing the model's features.
    public let featurizer: any PostFeaturizer
    public let modelCard: ModelCard
    /// Intermediates with more values than this per post are not reported.
    public var maximumSignalSize = 64

    /// A classifier running `model` on `featurizer`'s features with class names `labels`
    /// and softmax temperature `temperature`.
    /// - Throws: `ServingSetupError` when the labels do not match the model's class count
    ///   or the temperature is not positive.
    public init(model: any FusionModel, featurizer: any PostFeaturizer, labels: [String], temperature: Float = 1,
                source: String) throws {
        guard temperature > 0, temperature.isFinite else {
            throw ServingSetupError("temperature \(temperature) must be a positive number")
        }
        guard !labels.isEmpty else { throw ServingSetupError("the model has no class labels") }
        model.eval()
        self.model = model
        self.featurizer = featurizer
        modelCard = ModelCard(model: model.id, labels: labels, features: featurizer.featureNames,
                              encoders: featurizer.encoderDescriptions, temperature: temperature, source: source)
    }

    public func classify(_ posts: [RawPost]) throws -> [Prediction] {
        if posts.isEmpty { return [] }
        let inputs = try featurizer.inputs(for: posts)
        let output = try withoutGradients { try model.forward(inputs) }
        let batch = posts.count
        let classes = modelCard.labels.count
        guard output.logits.shape == [batch, classes] else {
            throw ServingSetupError("the model returned logits of shape \(output.logits.shape) for \(batch) posts "
                + "and \(classes) labels; the labels do not match the model")
        }
        let probabilities = (output.logits / modelCard.temperature).softmax(axis: 1).scalars
        var signals = Array(repeating: [String: [Float]](), count: batch)
        for (name, tensor) in output.intermediates where tensor.rank >= 1 && tensor.shape[0] == batch {
            let perPost = tensor.count / batch
            guard perPost > 0, perPost <= maximumSignalSize else { continue }
            let values = tensor.scalars
            for row in 0..<batch { signals[row][name] = Array(values[row * perPost..<(row + 1) * perPost]) }
        }
        return (0..<batch).map { row in
            let rowProbabilities = Array(probabilities[row * classes..<(row + 1) * classes])
            var best = 0
            for index in 1..<classes where rowProbabilities[index] > rowProbabilities[best] { best = index }
            return Prediction(labelIndex: best, label: modelCard.labels[best], probabilities: rowProbabilities,
                              signals: signals[row])
        }
    }
}

/// Why a classifier or server could not be set up; the message says what to fix.
public struct ServingSetupError: Error, CustomStringConvertible, Equatable {
    public let description: String
    /// An error with `description`.
    public init(_ description: String) { self.description = description }
}
