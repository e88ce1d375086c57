import Foundation

/// Classification metrics of predicted class indices against true class indices, as
/// scikit-learn computes them (`accuracy_score`, `precision_recall_fscore_support` with
/// `labels=range(C)` and `zero_division=0`, `confusion_matrix`, `roc_auc_score`).
///
/// For class c with true positives TP_c, false positives FP_c, false negatives FN_c:
///
///     precision_c = TP_c / (TP_c + FP_c)      (0 when nothing was predicted as c)
///     recall_c    = TP_c / (TP_c + FN_c)      (0 when c has no support)
///     F1_c        = 2 P_c R_c / (P_c + R_c)   (0 when P_c + R_c = 0)
///     macro F1    = (1/C) Σ_c F1_c
///     weighted F1 = Σ_c support_c F1_c / Σ_c support_c
///
/// `auc` is the area under the ROC curve of the positive class (index 1) for binary
/// tasks, nil otherwise (see `ClassificationMetrics.rocAUC`).
///
/// Encodes to the run directory's snake_case JSON: `accuracy`, `macro_f1`, `weighted_f1`,
/// `per_class` [{`label`, `precision`, `recall`, `f1`, `support`}], `confusion_matrix`
/// (rows: true class, columns: predicted class) and `auc` when present.
public struct ClassificationMetrics: Codable, Equatable, Sendable {
    /// The metrics of one class.
    public struct ClassMetrics: Codable, Equatable, Sendable {
        /// The class name.
        public var label: String
        /// TP / (TP + FP).
        public var precision: Double
        /// TP / (TP + FN).
        public var recall: Double
        /// Harmonic mean of precision and recall.
        public var f1: Double
        /// Number of samples whose true class is this one.
        public var support: Int
    }

    /// Fraction of samples predicted correctly.
    public var accuracy: Double
    /// Unweighted mean of the per-class F1 scores over all classes.
    public var macroF1: Double
    /// Mean of the per-class F1 scores weighted by support.
    public var weightedF1: Double
    /// Per-class precision, recall, F1 and support, in class-index order.
    public var perClass: [ClassMetrics]
    /// [C][C] counts: row = true class, column = predicted class.
    public var confusionMatrix: [[Int]]
    /// ROC AUC of class 1 for two-class tasks with both classes present; nil otherwise.
    public var auc: Double?

    enum CodingKeys: String, CodingKey {
        case accuracy
        case macroF1 = "macro_f1"
        case weightedF1 = "weighted_f1"
        case perClass = "per_class"
        case confusionMatrix = "confusion_matrix"
        case auc
    }

    /// Metrics of `predicted` against `labels` (class indices in `0..<labelNames.count`).
    /// `positiveScores`, for two-class tasks, are the scores (probabilities) of class 1
    /// per sample, from which `auc` is computed.
    /// - Throws: `TrainingError.invalidInput` when the arrays disagree in length, are
    ///   empty, or hold an index outside the label set.
    public init(labels: [Int], predicted: [Int], labelNames: [String], positiveScores: [Double]? = nil) throws {
        let classes = labelNames.count
        guard !labels.isEmpty else { throw TrainingError.invalidInput("metrics need at least one labelled sample") }
        guard labels.count == predicted.count else {
            throw TrainingError.invalidInput("metrics: \(labels.count) labels but \(predicted.count) predictions")
        }
        if let bad = (labels + predicted).first(where: { $0 < 0 || $0 >= classes }) {
            throw TrainingError.invalidInput("metrics: class index \(bad) is outside the \(classes) labels \(labelNames)")
        }
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (truth, guess) in zip(labels, predicted) { matrix[truth][guess] += 1 }
        var perClass: [ClassMetrics] = []
        for c in 0..<classes {
            let truePositives = Double(matrix[c][c])
            let predictedCount = Double((0..<classes).reduce(0) { $0 + matrix[$1][c] })
            let support = matrix[c].reduce(0, +)
            let precision = predictedCount > 0 ? truePositives / predictedCount : 0
            let recall = support > 0 ? truePositives / Double(support) : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            perClass.append(ClassMetrics(label: labelNames[c], precision: precision, recall: recall, f1: f1, support: support))
        }
        let correct = (0..<classes).reduce(0) { $0 + matrix[$1][$1] }
        accuracy = Double(correct) / Double(labels.count)
        macroF1 = classes > 0 ? perClass.reduce(0) { $0 + $1.f1 } / Double(classes) : 0
        let totalSupport = perClass.reduce(0) { $0 + $1.support }
        weightedF1 = totalSupport > 0 ? perClass.reduce(0) { $0 + $1.f1 * Double($1.support) } / Double(totalSupport) : 0
        self.perClass = perClass
        confusionMatrix = matrix
        if classes == 2, let positiveScores {
            guard positiveScores.count == labels.count else {
                throw TrainingError.invalidInput("metrics: \(positiveScores.count) scores for \(labels.count) labels")
            }
            auc = Self.rocAUC(labels: labels.map { $0 == 1 }, scores: positiveScores)
        } else {
            auc = nil
        }
    }

    /// Area under the ROC curve of `scores` for the positive samples (`labels[i] == true`),
    /// as `sklearn.metrics.roc_auc_score`: the trapezoidal area over the curve whose
    /// thresholds are the distinct scores, which equals the Mann-Whitney statistic
    ///
    ///     AUC = (Σ_{i positive} rank_i - n₊(n₊ + 1)/2) / (n₊ n₋)
    ///
    /// with tied scores given their average rank (a tie between a positive and a negative
    /// counts one half). Nil when one of the classes is absent (the AUC is undefined).
    public static func rocAUC(labels: [Bool], scores: [Double]) -> Double? {
        let positives = labels.filter { $0 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0, scores.count == labels.count else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            // Ranks start + 1 ... end + 1 share their mean.
            let averageRank = Double(start + end + 2) / 2
            for position in start...end where labels[order[position]] { rankSum += averageRank }
            start = end + 1
        }
        let p = Double(positives), n = Double(negatives)
        return (rankSum - p * (p + 1) / 2) / (p * n)
    }
}
