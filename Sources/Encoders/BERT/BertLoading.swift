import Foundation
import NeuralNetwork
import Tensors

// Reading BERT-family checkpoints as the Hugging Face hub stores them. All key
// differences between checkpoint layouts are handled by the table below.

extension BertModel {
    /// The checkpoint-key rename table, applied in order:
    /// task models (`BertForSequenceClassification`, `RobertaForMaskedLM`, …) store the
    /// encoder under `bert.` / `roberta.`; checkpoints from before `transformers` 2.x name
    /// layer-norm parameters `gamma` / `beta`.
    public static let checkpointRenames: [KeyRename] = [
        .dropPrefix("bert."),
        .dropPrefix("roberta."),
        .replaceSuffix("LayerNorm.gamma", with: "LayerNorm.weight"),
        .replaceSuffix("LayerNorm.beta", with: "LayerNorm.bias"),
    ]

    /// Heads of task-model checkpoints, which are not part of the encoder and are left
    /// unread when the checkpoint holds a `bert.` / `roberta.` encoder.
    public static let taskHeadKeys = ["cls.*", "lm_head.*", "classifier.*", "qa_outputs.*"]

    /// Loads the encoder of a Hugging Face model directory (`config.json` plus
    /// `model.safetensors` or its shards), strictly: every tensor the model needs must be
    /// present with the config's shape, and every tensor of the file must be used, apart
    /// from `BertModel.ignorableKeys` and, for task-model checkpoints, their heads.
    /// - Throws: `HuggingFaceDirectoryError` for a missing or malformed file,
    ///   `BertError.invalidConfig`, or `WeightLoadingError` naming the offending key.
    public convenience init(directory: HuggingFaceDirectory, seed: UInt64 = 0) throws {
        let config = try directory.decodeJSON(BertConfig.self, file: "config.json")
        let checkpoint = try directory.weights()
        let isTaskModel = checkpoint.names.contains { $0.hasPrefix("bert.") || $0.hasPrefix("roberta.") }
        try self.init(weights: try checkpoint.scope(renaming: BertModel.checkpointRenames), config: config, seed: seed,
                      allowingUnusedKeys: BertModel.ignorableKeys + (isTaskModel ? BertModel.taskHeadKeys : []))
    }
}
