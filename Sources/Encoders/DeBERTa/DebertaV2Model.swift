import Foundation
import NeuralNetwork
import Tensors

/// A DeBERTa-v2 / DeBERTa-v3 encoder (`transformers` `DebertaV2Model`, file
/// `models/deberta_v2/modeling_deberta_v2.py`): embeddings, a stack of post-norm layers
/// with disentangled attention (`DebertaV2Layer`) sharing one relative position table.
///
/// Keys follow the Hugging Face checkpoint: `embeddings.*`, `encoder.layer.N.*`,
/// `encoder.rel_embeddings.weight` [2k, H], `encoder.LayerNorm.*` (with `norm_rel_ebd`
/// `layer_norm`). The output has the same shape as `BertModel`'s (`BertOutput`, no pooler).
///
/// ```swift
/// let model = try DebertaV2Model(directory: HuggingFaceDirectory(url))
/// let result = try withoutGradients { try model(ids: batch.ids, attentionMask: batch.mask) }
/// // result.hiddenStates: layerCount + 1 tensors [B, L, H]
/// ```
public final class DebertaV2Model: Module {
    public var isTraining = true
    /// The hyper-parameters.
    public let config: DebertaV2Config
    /// Key `embeddings`.
    public let embeddings: DebertaV2Embeddings
    /// The transformer layers, keys `encoder.layer.N`.
    public let layers: ModuleList<DebertaV2Layer>
    /// Key `encoder.rel_embeddings`, [2k, H]; nil without `relative_attention`.
    public let relativeEmbeddings: Embedding?
    /// Key `encoder.LayerNorm`, applied to the relative table; nil unless `norm_rel_ebd` is `layer_norm`.
    public let relativeNorm: LayerNorm?

    /// A randomly initialised model (weights N(0, 0.02²), biases 0, as `transformers`).
    /// - Throws: `BertError.invalidConfig` when the config is inconsistent or unsupported.
    public init(config: DebertaV2Config, seed: UInt64 = 0) throws {
        try config.validate()
        self.config = config
        var generator = RandomGenerator(seed: seed)
        embeddings = DebertaV2Embeddings(config: config, generator: &generator)
        layers = ModuleList(try (0..<config.layerCount).map { _ in try DebertaV2Layer(config: config, generator: &generator) })
        relativeEmbeddings = config.relativeAttention
            ? Embedding(weight: Tensor.randn([2 * config.relativeSpan, config.hiddenSize], std: 0.02, generator: &generator))
            : nil
        relativeNorm = config.normalizesRelativeEmbeddings
            ? LayerNorm(dimension: config.hiddenSize, epsilon: config.layerNormEpsilon) : nil
    }

    /// A model read from `weights`, keyed as a Hugging Face `DebertaV2Model` checkpoint
    /// (apply `DebertaV2Model.checkpointRenames` first for task-model checkpoints). Checks
    /// afterwards that every key was used, apart from `allowed`.
    /// - Throws: `BertError.invalidConfig`, or `WeightLoadingError` naming the missing,
    ///   mis-shaped or unused keys.
    public init(weights: WeightScope, config: DebertaV2Config, seed: UInt64 = 0,
                allowingUnusedKeys allowed: [String] = DebertaV2Model.ignorableKeys) throws {
        try config.validate()
        self.config = config
        var seeds = RandomGenerator(seed: seed)
        embeddings = try DebertaV2Embeddings(weights: weights.scoped("embeddings"), config: config, seed: seeds.next())
        let encoder = weights.scoped("encoder")
        let stack = encoder.scoped("layer")
        layers = ModuleList(try (0..<config.layerCount).map { index in
            try DebertaV2Layer(weights: stack.scoped(index), config: config, seed: seeds.next())
        })
        relativeEmbeddings = config.relativeAttention
            ? try Embedding(weights: encoder.scoped("rel_embeddings"), count: 2 * config.relativeSpan, dimension: config.hiddenSize)
            : nil
        relativeNorm = config.normalizesRelativeEmbeddings
            ? try LayerNorm(weights: encoder.scoped("LayerNorm"), dimension: config.hiddenSize, epsilon: config.layerNormEpsilon)
            : nil
        try weights.verifyAllUsed(allowing: allowed)
    }

    /// Keys a checkpoint may carry that hold no weights of the model: the `position_ids`
    /// buffer and the absolute position table `transformers` ignores without
    /// `position_biased_input`.
    public static let ignorableKeys = ["embeddings.position_ids", "embeddings.position_embeddings.weight"]

    public var children: [(String, any Module)] {
        var result: [(String, any Module)] = [("embeddings", embeddings), ("encoder.layer", layers)]
        if let relativeEmbeddings { result.append(("encoder.rel_embeddings", relativeEmbeddings)) }
        if let relativeNorm { result.append(("encoder.LayerNorm", relativeNorm)) }
        return result
    }

    /// Runs the encoder on a batch of equally long id rows; see
    /// `callAsFunction(ids:batch:length:attentionMask:tokenTypeIds:)`.
    public func callAsFunction(ids: [[Int]], attentionMask: [[Int]]? = nil, tokenTypeIds: [[Int]]? = nil) throws -> BertOutput {
        let batch = ids.count, length = ids.first?.count ?? 0
        for (name, rows) in [("ids", ids), ("attentionMask", attentionMask ?? []), ("tokenTypeIds", tokenTypeIds ?? [])]
            where !rows.isEmpty {
            guard rows.count == batch, rows.allSatisfy({ $0.count == length }) else {
                throw BertError.invalidInput("\(name) must have \(batch) rows of \(length) entries; pad the batch to one length")
            }
        }
        return try self(ids: ids.flatMap { $0 }, batch: batch, length: length,
                        attentionMask: attentionMask?.flatMap { $0 }, tokenTypeIds: tokenTypeIds?.flatMap { $0 })
    }

    /// Runs the encoder on row-major [batch, length] ids.
    ///
    /// - Parameters:
    ///   - ids: token ids, each in `0..<vocab_size`.
    ///   - attentionMask: 1 for a token and 0 for padding; nil attends everywhere.
    ///   - tokenTypeIds: segment ids (read only when `type_vocab_size` > 0); nil means all 0.
    /// - Returns: the embeddings' output and every layer's output (`hiddenStates`, [B, L, H]
    ///   each); `pooledOutput` is nil (DeBERTa has no pooler).
    /// - Throws: `BertError.invalidInput` for mis-sized inputs, ids outside the vocabulary or a
    ///   sequence longer than `max_position_embeddings`.
    public func callAsFunction(ids: [Int], batch: Int, length: Int, attentionMask: [Int]? = nil,
                               tokenTypeIds: [Int]? = nil) throws -> BertOutput {
        try validate(ids: ids, batch: batch, length: length, attentionMask: attentionMask, tokenTypeIds: tokenTypeIds)
        let types = config.typeVocabularySize > 0 ? tokenTypeIds : nil
        let embedded = embeddings(ids: ids, tokenTypeIds: types, mask: attentionMask, batch: batch, length: length)
        let states = runLayers(hiddenState: embedded, attentionMask: attentionMask)
        return BertOutput(lastHiddenState: states.last ?? embedded, hiddenStates: [embedded] + states, pooledOutput: nil)
    }

    /// Every layer's output for the embeddings' output `hiddenState` [B, L, H].
    func runLayers(hiddenState: Tensor, attentionMask: [Int]?) -> [Tensor] {
        let batch = hiddenState.shape[0], length = hiddenState.shape[1]
        let maskFill = attentionMask.map { DebertaV2Model.pairMask($0, batch: batch, length: length) }
        let relative = RelativePositions.matrix(length: length, bucketCount: config.positionBuckets,
                                                maxPosition: config.effectiveMaxRelativePositions)
        var table: Tensor?
        if let relativeEmbeddings {
            let weight = relativeEmbeddings.weight
            table = relativeNorm.map { $0(weight) } ?? weight
        }
        var states: [Tensor] = []
        var current = hiddenState
        for index in 0..<layers.count {
            let layer = layers[index]
            current = layer(current, maskFill: maskFill, relativeEmbeddings: table, relativeIndex: relative)
            states.append(current)
        }
        return states
    }

    /// [B, 1, L, L]: 1 where query i or key j is padding (`transformers` fills those scores
    /// with the lowest Float32), 0 elsewhere.
    static func pairMask(_ mask: [Int], batch: Int, length: Int) -> Tensor {
        Tensor(shape: [batch, 1, length, length]) { buffer in
            for b in 0..<batch {
                for i in 0..<length {
                    for j in 0..<length {
                        let open = mask[b * length + i] != 0 && mask[b * length + j] != 0
                        buffer[(b * length + i) * length + j] = open ? 0 : 1
                    }
                }
            }
        }
    }

    private func validate(ids: [Int], batch: Int, length: Int, attentionMask: [Int]?, tokenTypeIds: [Int]?) throws {
        guard batch >= 0 && length >= 0 && ids.count == batch * length else {
            throw BertError.invalidInput("\(ids.count) ids for a batch of \(batch) x \(length)")
        }
        guard length > 0 else { throw BertError.invalidInput("sequences are empty; every input needs at least [CLS] and [SEP]") }
        guard length <= config.maxPositionEmbeddings else {
            throw BertError.invalidInput("sequence length \(length) exceeds the model's \(config.maxPositionEmbeddings) positions; truncate the input")
        }
        if let bad = ids.first(where: { $0 < 0 || $0 >= config.vocabularySize }) {
            throw BertError.invalidInput("token id \(bad) is outside the vocabulary of \(config.vocabularySize); the tokenizer does not match the model")
        }
        if let attentionMask, attentionMask.count != ids.count {
            throw BertError.invalidInput("attention mask has \(attentionMask.count) entries for \(ids.count) ids")
        }
        if let tokenTypeIds {
            guard tokenTypeIds.count == ids.count else {
                throw BertError.invalidInput("token type ids have \(tokenTypeIds.count) entries for \(ids.count) ids")
            }
            if config.typeVocabularySize > 0, let bad = tokenTypeIds.first(where: { $0 < 0 || $0 >= config.typeVocabularySize }) {
                throw BertError.invalidInput("token type id \(bad) is outside 0..<\(config.typeVocabularySize)")
            }
        }
    }
}

extension DebertaV2Model {
    /// The checkpoint-key rename table: task models (`DebertaV2ForSequenceClassification`,
    /// `DebertaV2ForMaskedLM`, …) store the encoder under `deberta.`.
    public static let checkpointRenames: [KeyRename] = [.dropPrefix("deberta.")]

    /// Heads of task-model checkpoints, left unread when the checkpoint holds a `deberta.` encoder.
    public static let taskHeadKeys = ["lm_predictions.*", "mask_predictions.*", "cls.*", "pooler.*", "classifier.*",
                                      "qa_outputs.*"]

    /// Loads the encoder of a Hugging Face model directory (`config.json` plus
    /// `model.safetensors`, its shards, or `pytorch_model.bin`), strictly.
    /// - Throws: `HuggingFaceDirectoryError` for a missing or malformed file,
    ///   `BertError.invalidConfig`, or `WeightLoadingError` naming the offending key.
    public convenience init(directory: HuggingFaceDirectory, seed: UInt64 = 0) throws {
        let config = try directory.decodeJSON(DebertaV2Config.self, file: "config.json")
        let checkpoint = try directory.weights()
        let isTaskModel = checkpoint.names.contains { $0.hasPrefix("deberta.") }
        try self.init(weights: try checkpoint.scope(renaming: DebertaV2Model.checkpointRenames), config: config, seed: seed,
                      allowingUnusedKeys: DebertaV2Model.ignorableKeys + (isTaskModel ? DebertaV2Model.taskHeadKeys : []))
    }
}
