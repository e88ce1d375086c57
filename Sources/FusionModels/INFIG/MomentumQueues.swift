import NeuralNetwork

extension INFIG {
    /// Nothing happens before the step.
    public func beforeOptimizerStep(output: ModelOutput, labels: [Int]) throws {}

    /// MoCo's momentum update θ_m ← μ θ_m + (1 − μ) θ for every momentum copy, then writes
    /// the batch's momentum global features into the queues at the pointer (wrapping).
    /// Does nothing under `no-gam`.
    /// - Throws: `FusionModelError.inconsistentBatch` when the output lacks the momentum features.
    public func afterOptimizerStep(output: ModelOutput, labels: [Int]) throws {
        guard useGlobal else { return }
        guard let imageKeys = output.intermediates["momentum.image_global"],
              let textKeys = output.intermediates["momentum.text_global"],
              imageKeys.rank == 2, imageKeys.shape == textKeys.shape, imageKeys.shape[1] == textQueue.shape[1] else {
            throw FusionModelError.inconsistentBatch(
                "INFIG's momentum update needs the output's momentum.image_global and momentum.text_global [B, \(textQueue.shape[1])] "
                    + "from a training-mode forward")
        }
        let mu = configuration.momentum
        for (copy, online) in momentumPairs {
            let updated = copy.detached() * mu + online.detached() * (1 - mu)
            copy.assign(updated)
        }
        textQueue = Self.enqueue(textKeys, into: textQueue, at: queuePointer)
        imageQueue = Self.enqueue(imageKeys, into: imageQueue, at: queuePointer)
        queuePointer = (queuePointer + textKeys.shape[0]) % textQueue.shape[0]
    }

    /// `queue` with rows pointer, pointer + 1, … (mod K) replaced by `keys`.
    static func enqueue(_ keys: Tensor, into queue: Tensor, at pointer: Int) -> Tensor {
        let rows = queue.shape[0], width = queue.shape[1]
        let source = keys.scalars
        var result = queue.scalars
        for row in 0..<keys.shape[0] {
            let target = (pointer + row) % rows
            for column in 0..<width { result[target * width + column] = source[row * width + column] }
        }
        return Tensor(shape: queue.shape, scalars: result)
    }

    /// The queues (`queue.text`, `queue.image`), `queue.pointer` [1], and every momentum
    /// parameter as `momentum.<parameter name>`.
    public func trainingState() -> [String: Tensor] {
        var state: [String: Tensor] = ["queue.text": textQueue.copy(), "queue.image": imageQueue.copy(),
                                       "queue.pointer": Tensor([Float(queuePointer)])]
        for (prefix, copy, _) in momentumModules {
            for (name, parameter) in copy.namedParameters() { state["momentum.\(prefix).\(name)"] = parameter.copy() }
        }
        return state
    }

    /// Restores what `trainingState()` returned.
    /// - Throws: `FusionModelError.invalidConfiguration` naming a missing or mis-shaped tensor.
    public func loadTrainingState(_ state: [String: Tensor]) throws {
        func tensor(_ name: String, shape: [Int]) throws -> Tensor {
            guard let found = state[name], found.shape == shape else {
                throw FusionModelError.invalidConfiguration(
                    model: "infig", reason: "training state needs \(name) of shape \(shape), found \(state[name]?.shape.description ?? "none")")
            }
            return found
        }
        let text = try tensor("queue.text", shape: textQueue.shape)
        let image = try tensor("queue.image", shape: imageQueue.shape)
        let pointer = Int(try tensor("queue.pointer", shape: [1]).scalars[0])
        guard pointer >= 0, pointer < textQueue.shape[0] else {
            throw FusionModelError.invalidConfiguration(model: "infig", reason: "queue.pointer \(pointer) outside 0..<\(textQueue.shape[0])")
        }
        var copies: [(Tensor, Tensor)] = []
        for (prefix, copy, _) in momentumModules {
            for (name, parameter) in copy.namedParameters() {
                copies.append((parameter, try tensor("momentum.\(prefix).\(name)", shape: parameter.shape)))
            }
        }
        for (target, source) in copies { target.assign(source) }
        textQueue = text.copy()
        imageQueue = image.copy()
        queuePointer = pointer
    }
}

extension INFIG {
    /// The registry entry: the four datasets of Table 2 with the settings of section 4.2.
    static let descriptor = ModelDescriptor(
        id: "infig",
        paper: "Integrating hierarchical fine-grained and global information for multimodal sentiment analysis with assistance of CLIP (EMNLP submission)",
        ablations: ablations,
        presets: [
            ModelPreset(name: "mvsa-single", task: "sentiment (positive, neutral, negative)", classCount: 3,
                        configuration: #"{"top_j": 2, "fusion_layer_count": 3, "training": {"batch_size": 64}}"#),
            ModelPreset(name: "mvsa-multiple", task: "sentiment (positive, neutral, negative)", classCount: 3,
                        configuration: #"{"top_j": 2, "fusion_layer_count": 3, "training": {"batch_size": 64}}"#),
            ModelPreset(name: "tumemo", task: "emotion (7 classes)", classCount: 7,
                        configuration: #"{"top_j": 3, "fusion_layer_count": 3, "training": {"batch_size": 64}}"#),
            ModelPreset(name: "hfm", task: "sarcasm (binary)", classCount: 2,
                        configuration: #"{"top_j": 3, "fusion_layer_count": 4, "training": {"batch_size": 128}}"#),
        ],
        make: { json, classes, seed in
            let configuration = try ConfigurationCoding.decode(json, defaults: INFIGConfiguration(), model: "infig")
            return try INFIG(configuration: configuration, classes: classes, seed: seed)
        })
}
