import Foundation
import NeuralNetwork

/// A named configuration of a model from its paper (a dataset column of its
/// hyperparameter table).
public struct ModelPreset: Sendable {
    /// Preset name (`weibo`, `yelp`, ...).
    public let name: String
    /// The task and dataset it was tuned for.
    public let task: String
    /// Number of classes of that dataset.
    public let classCount: Int
    /// Configuration keys (snake_case JSON) that differ from the model's defaults.
    public let configuration: String

    /// A preset.
    public init(name: String, task: String, classCount: Int, configuration: String) {
        self.name = name
        self.task = task
        self.classCount = classCount
        self.configuration = configuration
    }
}

/// How the registry knows one model: its id, paper, ablations, presets and builder.
public struct ModelDescriptor: Sendable {
    /// Registry id.
    public let id: String
    /// The paper (or "baseline") the model follows.
    public let paper: String
    /// Ablation switches accepted in the configuration's `ablations` list.
    public let ablations: [String]
    /// Named presets from the paper.
    public let presets: [ModelPreset]
    /// Builds a model from configuration JSON (nil: defaults), a class count and a seed.
    let make: @Sendable (Data?, Int, UInt64) throws -> any FusionModel

    /// A descriptor; `make` decodes the JSON over the model's defaults and builds the model.
    public init(id: String, paper: String, ablations: [String], presets: [ModelPreset],
                make: @escaping @Sendable (Data?, Int, UInt64) throws -> any FusionModel) {
        self.id = id
        self.paper = paper
        self.ablations = ablations
        self.presets = presets
        self.make = make
    }
}

/// Every fusion model by id. Adding a model is one line in `descriptors`.
public enum ModelRegistry {
    /// The known models, in listing order.
    public static let descriptors: [ModelDescriptor] = [
        HGLNet.descriptor,
        UnimodalBaseline.textDescriptor,
        UnimodalBaseline.imageDescriptor,
        ConcatFusionBaseline.descriptor,
        LateFusionBaseline.descriptor,
        AttentionFusionBaseline.descriptor,
        MSCF.descriptor,
        SGMFT.descriptor,
        BMLHF.descriptor,
        INFIG.descriptor,
    ]

    /// The registry ids.
    public static var ids: [String] { descriptors.map(\.id) }

    /// The descriptor of `id`.
    /// - Throws: `FusionModelError.unknownModel` listing the known ids.
    public static func descriptor(id: String) throws -> ModelDescriptor {
        guard let found = descriptors.first(where: { $0.id == id }) else {
            throw FusionModelError.unknownModel(id: id, known: ids)
        }
        return found
    }

    /// Builds model `id` from `config` (JSON with snake_case keys; absent keys keep the
    /// paper's defaults; nil for all defaults) for `classes` classes, initialised from `seed`.
    /// - Throws: `FusionModelError` for an unknown id or key, a bad value or ablation.
    public static func make(id: String, config: Data? = nil, classes: Int, seed: UInt64) throws -> any FusionModel {
        try descriptor(id: id).make(config, classes, seed)
    }

    /// Builds model `id` from its preset `preset` with `ablations` switched on; `classes`
    /// defaults to the preset's dataset.
    /// - Throws: `FusionModelError` for an unknown id, preset or ablation.
    public static func make(id: String, preset: String, ablations: [String] = [], classes: Int? = nil,
                            seed: UInt64) throws -> any FusionModel {
        let model = try descriptor(id: id)
        guard let found = model.presets.first(where: { $0.name == preset }) else {
            throw FusionModelError.unknownPreset(model: id, name: preset, known: model.presets.map(\.name))
        }
        var object = (try? JSONSerialization.jsonObject(with: Data(found.configuration.utf8))) as? [String: Any] ?? [:]
        if !ablations.isEmpty { object["ablations"] = ablations }
        let json = try JSONSerialization.data(withJSONObject: object)
        return try model.make(json, classes ?? found.classCount, seed)
    }
}
