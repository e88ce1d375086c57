import NeuralNetwork
import Tensors

/// What a BERT-family encoder returns for a batch.
public struct BertOutput {
    /// The last layer's output, [B, L, H].
    public let lastHiddenState: Tensor
    /// The embeddings' output followed by every layer's output (`layerCount + 1`
    /// tensors of [B, L, H]), as `transformers` returns with `output_hidden_states=True`.
    public let hiddenStates: [Tensor]
    /// tanh(dense(h_[CLS])) of the last hidden state, [B, H]; nil for a model without a
    /// pooler (checkpoints saved with `add_pooling_layer=False`).
    public let pooledOutput: Tensor?
}

/// A BERT or RoBERTa encoder (`transformers` `BertModel` / `RobertaModel`, file
/// `models/bert/modeling_bert.py`): embeddings, a stack of post-norm transformer
/// layers and the [CLS] pooler.
///
/// Keys follow the Hugging Face checkpoint: `embeddings.*`, `encoder.layer.N.*`,
/// `pooler.dense.*`.
///
/// ```swift
/// let model = try BertModel(directory: HuggingFaceDirectory(url))
/// let result = try withoutGradients { try model(ids: batch.ids, attentionMask: batch.mask) }
/// let sentences = TokenPooling.maskedMean(result.lastHiddenState, attentionMask: batch.mask).l2Normalized()
/// ```
public final class BertModel: Module {
    public var isTraining = true
    /// The hyper-parameters.
    public let config: BertConfig
    /// Key `embeddings`.
    public let embeddings: BertEmbeddings
    /// The transformer layers, keys `encoder.layer.N`.
    public let layers: ModuleList<BertLayer>
    /// Key `pooler.dense`; nil when the checkpoint has no pooler.
    public let pooler: Linear?

    /// A randomly initialised model (weights N(0, 0.02²), biases 0, as `transformers`).
    /// - Throws: `BertError.invalidConfig` when the config is inconsistent.
    public init(config: BertConfig, seed: UInt64 = 0, withPooler: Bool = true) throws {
        try config.validate()
        self.config = config
        var generator = RandomGenerator(seed: seed)
        embeddings = BertEmbeddings(config: config, generator: &generator)
        layers = ModuleList(try (0..<config.layerCount).map { _ in try BertLayer(config: config, generator: &generator) })
        let h = config.hiddenSize
        pooler = withPooler
            ? Linear(weight: Tensor.randn([h, h], std: 0.02, generator: &generator), bias: Tensor.zeros([h]))
            : nil
    }

    /// A model read from `weights`, keyed as a Hugging Face `BertModel` checkpoint (apply
    /// `BertModel.checkpointRenames` first for task-model or old checkpoints). The pooler
    /// is loaded when `pooler.dense.weight` exists. Checks afterwards that every key was used.
    /// - Throws: `BertError.invalidConfig`, or `WeightLoadingError` naming the missing,
    ///   mis-shaped or unused keys.
    public init(weights: WeightScope, config: BertConfig, seed: UInt64 = 0,
                allowingUnusedKeys allowed: [String] = BertModel.ignorableKeys) throws {
        try config.validate()
        self.config = config
        var seeds = RandomGenerator(seed: seed)
        embeddings = try BertEmbeddings(weights: weights.scoped("embeddings"), config: config, seed: seeds.next())
        let stack = weights.scoped("encoder").scoped("layer")
        layers = ModuleList(try (0..<config.layerCount).map { index in
            try BertLayer(weights: stack.scoped(index), config: config, seed: seeds.next())
        })
        let h = config.hiddenSize
        pooler = weights.contains("pooler.dense.weight")
            ? try Linear(weights: weights.scoped("pooler.dense"), inputSize: h, outputSize: h)
            : nil
        try weights.verifyAllUsed(allowing: allowed)
    }

    /// Keys a `BertModel` checkpoint may carry that hold no weights of the model:
    /// the `position_ids` / `token_type_ids` buffers older `transformers` saved.
    public static let ignorableKeys = ["embeddings.position_ids", "embeddings.token_type_ids"]

    public var children: [(String, any Module)] {
        var result: [(String, any Module)] = [("embeddings", embeddings), ("encoder.layer", layers)]
        if let pooler { result.append(("pooler.dense", pooler)) }
        return result
    }

    /// Runs the encoder on a batch of equally long id rows.
    ///
    /// - Parameters:
    ///   - ids: [B][L] token ids, each in `0..<vocab_size`.
    ///   - attentionMask: [B][L], 1 for a token and 0 for padding; nil attends everywhere.
    ///   - tokenTypeIds: [B][L] segment ids; nil means all 0.
    /// - Throws: `BertError.invalidInput` for ragged rows, ids outside the vocabulary or a
    ///   sequence longer than the position table.
    public func callAsFunction(ids: [[Int]], attentionMask: [[Int]]? = nil, tokenTypeIds: [[Int]]? = nil) throws -> BertOutput {
        let batch = ids.count, length = ids.first?.count ?? 0
        func flat(_ rows: [[Int]]?, _ name: String) throws -> [Int]? {
            guard let rows else { return nil }
            guard rows.count == batch, rows.allSatisfy({ $0.count == length }) else {
                throw BertError.invalidInput("\(name) must have \(batch) rows of \(length) entries, like the ids")
            }
            return rows.flatMap { $0 }
        }
        guard ids.allSatisfy({ $0.count == length }) else {
            throw BertError.invalidInput("id rows have different lengths (\(Set(ids.map(\.count)).sorted())); pad the batch to one length")
        }
        return try self(ids: ids.flatMap { $0 }, batch: batch, length: length,
                        attentionMask: try flat(attentionMask, "attentionMask"),
                        tokenTypeIds: try flat(tokenTypeIds, "tokenTypeIds"))
    }

    /// Runs the encoder on row-major [batch, length] ids; see `callAsFunction(ids:attentionMask:tokenTypeIds:)`.
    public func callAsFunction(ids: [Int], batch: Int, length: Int, attentionMask: [Int]? = nil,
                               tokenTypeIds: [Int]? = nil) throws -> BertOutput {
        try validate(ids: ids, batch: batch, length: length, attentionMask: attentionMask, tokenTypeIds: tokenTypeIds)
        let embedded = embeddings(ids: ids, tokenTypeIds: tokenTypeIds, batch: batch, length: length)
        let mask = attentionMask.map { BertModel.additiveMask($0, batch: batch, length: length) }
        let states = runLayers(0..<layers.count, hiddenState: embedded, additiveMask: mask)
        let last = states.last ?? embedded
        return BertOutput(lastHiddenState: last, hiddenStates: [embedded] + states, pooledOutput: pool(last))
    }

    /// Runs layers `range` on `hiddenState` [B, L, H] (the output of layer
    /// `range.lowerBound - 1`, or of the embeddings for 0) and returns each layer's output.
    /// Use it to fine-tune the top layers on cached hidden states.
    /// - Throws: `BertError.invalidInput` for a range outside the model, a mis-shaped
    ///   hidden state or mask.
    public func runLayers(_ range: Range<Int>, hiddenState: Tensor, attentionMask: [Int]?) throws -> [Tensor] {
        guard range.lowerBound >= 0 && range.upperBound <= layers.count else {
            throw BertError.invalidInput("layers \(range) outside the model's 0..<\(layers.count)")
        }
        guard hiddenState.rank == 3 && hiddenState.shape[2] == config.hiddenSize else {
            throw BertError.invalidInput("hidden state \(hiddenState.shape) must be [batch, length, \(config.hiddenSize)]")
        }
        let batch = hiddenState.shape[0], length = hiddenState.shape[1]
        if let attentionMask, attentionMask.count != batch * length {
            throw BertError.invalidInput("attention mask has \(attentionMask.count) entries for \(batch) x \(length) tokens")
        }
        let mask = attentionMask.map { BertModel.additiveMask($0, batch: batch, length: length) }
        return runLayers(range, hiddenState: hiddenState, additiveMask: mask)
    }

    /// tanh(h_[CLS] Wᵀ + b) for a hidden state [B, L, H]; nil without a pooler.
    public func pool(_ hiddenState: Tensor) -> Tensor? {
        guard let pooler else { return nil }
        return pooler(TokenPooling.firstToken(hiddenState)).tanh()
    }

    func runLayers(_ range: Range<Int>, hiddenState: Tensor, additiveMask: Tensor?) -> [Tensor] {
        var states: [Tensor] = []
        var current = hiddenState
        for index in range {
            current = layers[index](current, mask: additiveMask)
            states.append(current)
        }
        return states
    }

    /// [B, 1, L]: 0 where the mask is non-zero, -∞ where it is 0.
    static func additiveMask(_ mask: [Int], batch: Int, length: Int) -> Tensor {
        Tensor(shape: [batch, 1, length]) { buffer in
            for i in 0..<mask.count { buffer[i] = mask[i] != 0 ? 0 : -Float.infinity }
        }
    }

    private func validate(ids: [Int], batch: Int, length: Int, attentionMask: [Int]?, tokenTypeIds: [Int]?) throws {
        guard batch >= 0 && length >= 0 && ids.count == batch * length else {
            throw BertError.invalidInput("\(ids.count) ids for a batch of \(batch) x \(length)")
        }
        guard length > 0 else { throw BertError.invalidInput("sequences are empty; every input needs at least [CLS] and [SEP]") }
        guard length <= config.maximumSequenceLength else {
            throw BertError.invalidInput("sequence length \(length) exceeds the model's \(config.maximumSequenceLength) positions; truncate the input")
        }
        if let bad = ids.first(where: { $0 < 0 || $0 >= config.vocabularySize }) {
            throw BertError.invalidInput("token id \(bad) is outside the vocabulary of \(config.vocabularySize); the tokenizer does not match the model")
        }
        if let attentionMask {
            guard attentionMask.count == ids.count else {
                throw BertError.invalidInput("attention mask has \(attentionMask.count) entries for \(ids.count) ids")
            }
            for b in 0..<batch where !(0..<length).contains(where: { attentionMask[b * length + $0] != 0 }) {
                throw BertError.invalidInput("row \(b) of the attention mask hides every token")
            }
        }
        if let tokenTypeIds {
            guard tokenTypeIds.count == ids.count else {
                throw BertError.invalidInput("token type ids have \(tokenTypeIds.count) entries for \(ids.count) ids")
            }
            if let bad = tokenTypeIds.first(where: { $0 < 0 || $0 >= config.typeVocabularySize }) {
                throw BertError.invalidInput("token type id \(bad) is outside 0..<\(config.typeVocabularySize)")
            }
        }
    }
}
