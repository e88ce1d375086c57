import Foundation

/// JSON coding of model configurations: snake_case keys, and keys absent from the JSON
/// keep the model's defaults (the paper's values).
enum ConfigurationCoding {
    /// `defaults` with every key present in `json` replaced.
    static func decode<Configuration: Codable>(_ json: Data?, defaults: Configuration, model: String) throws -> Configuration {
        guard let json, !json.isEmpty else { return defaults }
        do {
            let base = try JSONSerialization.jsonObject(with: encode(defaults))
            let overrides = try JSONSerialization.jsonObject(with: json)
            guard let baseObject = base as? [String: Any], let overrideObject = overrides as? [String: Any] else {
                throw FusionModelError.invalidConfiguration(model: model, reason: "the configuration must be a JSON object")
            }
            let known = Set(baseObject.keys)
            if let unknown = overrideObject.keys.sorted().first(where: { !known.contains($0) }) {
                throw FusionModelError.invalidConfiguration(
                    model: model, reason: "unknown key '\(unknown)'; known keys: \(known.sorted().joined(separator: ", "))")
            }
            let merged = merge(baseObject, overrideObject)
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(Configuration.self, from: JSONSerialization.data(withJSONObject: merged))
        } catch let error as FusionModelError {
            throw error
        } catch {
            throw FusionModelError.invalidConfiguration(model: model, reason: "\(error)")
        }
    }

    /// The configuration as JSON with snake_case keys, sorted.
    static func encode<Configuration: Encodable>(_ configuration: Configuration) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(configuration)
    }

    /// `base` with `overrides` written over it, nested objects merged key by key.
    private static func merge(_ base: [String: Any], _ overrides: [String: Any]) -> [String: Any] {
        var result = base
        for (key, value) in overrides {
            if let inner = value as? [String: Any], let baseInner = base[key] as? [String: Any] {
                result[key] = merge(baseInner, inner)
            } else {
                result[key] = value
            }
        }
        return result
    }
}

/// Optimisation settings a paper reports beside its architecture (used by the trainer).
public struct TrainingHyperparameters: Codable, Equatable, Sendable {
    /// Initial learning rate of AdamW.
    public var learningRate: Double
    /// Decoupled weight decay of AdamW.
    public var weightDecay: Double
    /// Minibatch size.
    public var batchSize: Int
    /// Number of epochs.
    public var epochs: Int

    /// Settings with the given values.
    public init(learningRate: Double, weightDecay: Double, batchSize: Int, epochs: Int) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.batchSize = batchSize
        self.epochs = epochs
    }
}
