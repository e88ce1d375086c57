/// One line of a run's `history.jsonl`: the state after an epoch.
public struct EpochRecord: Codable, Equatable, Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Optimizer steps taken so far.
    public var step: Int
    /// Mean training loss (cross-entropy + auxiliary losses) over the epoch's batches.
    public var trainLoss: Double
    /// Mean cross-entropy on the validation split (nil without one).
    public var valLoss: Double?
    /// Validation accuracy (nil without a validation split).
    public var valAccuracy: Double?
    /// Validation macro F1 (nil without a validation split).
    public var valMacroF1: Double?
    /// Learning rate of the epoch's last step (first parameter group).
    public var learningRate: Double
    /// Wall-clock seconds of the epoch (training and validation).
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case epoch, step
        case trainLoss = "train_loss"
        case valLoss = "val_loss"
        case valAccuracy = "val_accuracy"
        case valMacroF1 = "val_macro_f1"
        case learningRate = "learning_rate"
        case seconds
    }

    /// A record.
    public init(epoch: Int, step: Int, trainLoss: Double, valLoss: Double?, valAccuracy: Double?, valMacroF1: Double?,
                learningRate: Double, seconds: Double) {
        self.epoch = epoch
        self.step = step
        self.trainLoss = trainLoss
        self.valLoss = valLoss
        self.valAccuracy = valAccuracy
        self.valMacroF1 = valMacroF1
        self.learningRate = learningRate
        self.seconds = seconds
    }

    /// Writes every key, nil values as null, so each line has the same fields.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(epoch, forKey: .epoch)
        try container.encode(step, forKey: .step)
        try container.encode(trainLoss, forKey: .trainLoss)
        try container.encode(valLoss, forKey: .valLoss)
        try container.encode(valAccuracy, forKey: .valAccuracy)
        try container.encode(valMacroF1, forKey: .valMacroF1)
        try container.encode(learningRate, forKey: .learningRate)
        try container.encode(seconds, forKey: .seconds)
    }

    /// The value of the selection metric.
    func value(of metric: TrainingConfiguration.SelectionMetric) -> Double? {
        switch metric {
        case .valMacroF1: return valMacroF1
        case .valAccuracy: return valAccuracy
        }
    }
}
