import Foundation

/// `run.json`, the sidecar of a trained model: everything `evaluate`, `predict`, `report`
/// and `serve` need besides the checkpoint.
///
/// Keys: `format` (1), `model`, `configuration` (the model's configuration JSON object),
/// `label_names`, `features` (the feature names the model reads), `feature_store` (path),
/// `encoders` (copied from the feature store's manifest), `seed`, `ablations`,
/// `hyperparameters` (the resolved training configuration), `created` (ISO-8601),
/// `best_epoch`, `metrics` (final test metrics, null without a labelled test split) and
/// `temperature` (calibration; 1 when not fitted).
public struct RunSidecar: Codable, Equatable, Sendable {
    /// The sidecar format version this code writes.
    public static let currentFormat = 1

    public var format: Int
    public var model: String
    public var configuration: JSONValue
    public var labelNames: [String]
    public var features: [String]
    public var featureStore: String
    public var encoders: JSONValue
    public var seed: UInt64
    public var ablations: [String]
    public var hyperparameters: JSONValue
    public var created: String
    public var bestEpoch: Int
    public var metrics: ClassificationMetrics?
    public var temperature: Double

    enum CodingKeys: String, CodingKey {
        case format, model, configuration
        case labelNames = "label_names"
        case features
        case featureStore = "feature_store"
        case encoders, seed, ablations, hyperparameters, created
        case bestEpoch = "best_epoch"
        case metrics, temperature
    }

    /// A sidecar with every field given.
    public init(model: String, configuration: JSONValue, labelNames: [String], features: [String], featureStore: String,
                encoders: JSONValue, seed: UInt64, ablations: [String], hyperparameters: JSONValue, created: String,
                bestEpoch: Int, metrics: ClassificationMetrics?, temperature: Double = 1) {
        format = Self.currentFormat
        self.model = model
        self.configuration = configuration
        self.labelNames = labelNames
        self.features = features
        self.featureStore = featureStore
        self.encoders = encoders
        self.seed = seed
        self.ablations = ablations
        self.hyperparameters = hyperparameters
        self.created = created
        self.bestEpoch = bestEpoch
        self.metrics = metrics
        self.temperature = temperature
    }

    /// Writes every key (`metrics` null when absent).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(model, forKey: .model)
        try container.encode(configuration, forKey: .configuration)
        try container.encode(labelNames, forKey: .labelNames)
        try container.encode(features, forKey: .features)
        try container.encode(featureStore, forKey: .featureStore)
        try container.encode(encoders, forKey: .encoders)
        try container.encode(seed, forKey: .seed)
        try container.encode(ablations, forKey: .ablations)
        try container.encode(hyperparameters, forKey: .hyperparameters)
        try container.encode(created, forKey: .created)
        try container.encode(bestEpoch, forKey: .bestEpoch)
        try container.encode(metrics, forKey: .metrics)
        try container.encode(temperature, forKey: .temperature)
    }

    /// Decodes a sidecar; `temperature` defaults to 1.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decode(Int.self, forKey: .format)
        model = try container.decode(String.self, forKey: .model)
        configuration = try container.decode(JSONValue.self, forKey: .configuration)
        labelNames = try container.decode([String].self, forKey: .labelNames)
        features = try container.decode([String].self, forKey: .features)
        featureStore = try container.decode(String.self, forKey: .featureStore)
        encoders = try container.decodeIfPresent(JSONValue.self, forKey: .encoders) ?? .null
        seed = try container.decode(UInt64.self, forKey: .seed)
        ablations = try container.decodeIfPresent([String].self, forKey: .ablations) ?? []
        hyperparameters = try container.decodeIfPresent(JSONValue.self, forKey: .hyperparameters) ?? .null
        created = try container.decode(String.self, forKey: .created)
        bestEpoch = try container.decode(Int.self, forKey: .bestEpoch)
        metrics = try container.decodeIfPresent(ClassificationMetrics.self, forKey: .metrics)
        temperature = try container.decodeIfPresent(Double.self, forKey: .temperature) ?? 1
    }
}
