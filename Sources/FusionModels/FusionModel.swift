import Foundation
@_exported import NeuralNetwork

/// A classifier over cached image and text features: a paper model or a baseline.
///
/// A model declares the features it reads (`requirements`), holds a `Codable`
/// configuration whose defaults come from its paper, and maps a batch of features to
/// logits [B, C] plus named auxiliary losses and intermediate tensors.
public protocol FusionModel: Module {
    /// The registry id (`hglnet`, `text-only`, ...).
    var id: String { get }
    /// The ablation switches the configuration's `ablations` list accepts.
    static var ablations: [String] { get }
    /// The features `forward` reads.
    var requirements: FeatureRequirements { get }
    /// The configuration as JSON (snake_case keys), enough to rebuild the model with
    /// `ModelRegistry.make`.
    func configurationJSON() throws -> Data
    /// The forward pass over one batch.
    /// - Throws: `FusionModelError` when a feature is missing or mis-shaped.
    func forward(_ batch: ModelInputs) throws -> ModelOutput
}

/// Why a fusion model could not be built or run. Each case says what and how to fix it.
public enum FusionModelError: Error, Equatable, CustomStringConvertible {
    /// The registry knows no model `id`.
    case unknownModel(id: String, known: [String])
    /// The model has no preset `name`.
    case unknownPreset(model: String, name: String, known: [String])
    /// An ablation switch the model does not have.
    case unknownAblation(model: String, name: String, known: [String])
    /// The configuration JSON could not be decoded or holds a bad value.
    case invalidConfiguration(model: String, reason: String)
    /// The batch lacks a feature the model needs.
    case missingFeature(name: String, available: [String])
    /// A feature has the wrong shape.
    case featureShape(name: String, expected: [Int?], found: [Int])
    /// Tensors or masks of a batch disagree on the batch size.
    case inconsistentBatch(String)

    public var description: String {
        switch self {
        case let .unknownModel(id, known):
            return "unknown model '\(id)'; known models: \(known.joined(separator: ", "))"
        case let .unknownPreset(model, name, known):
            return "model '\(model)' has no preset '\(name)'; presets: \(known.joined(separator: ", "))"
        case let .unknownAblation(model, name, known):
            return "model '\(model)' has no ablation '\(name)'; ablations: \(known.joined(separator: ", "))"
        case let .invalidConfiguration(model, reason):
            return "invalid configuration for model '\(model)': \(reason)"
        case let .missingFeature(name, available):
            return "the batch has no feature '\(name)' (it has: \(available.joined(separator: ", "))); "
                + "extract features with the encoders the model needs"
        case let .featureShape(name, expected, found):
            let shape = "[" + expected.map { $0.map(String.init) ?? "_" }.joined(separator: ", ") + "]"
            return "feature '\(name)' has shape \(found), the model expects \(shape); "
                + "check the feature store matches the model's configuration"
        case let .inconsistentBatch(detail):
            return "the batch tensors disagree on the batch size: \(detail)"
        }
    }
}
