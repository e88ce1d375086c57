import Foundation
import Tensors

/// The paired bootstrap between two models' predictions on the same test posts: how
/// much of the difference in accuracy and macro F1 survives resampling the posts?
///
/// Each of `resamples` rounds draws n posts with replacement (a seeded `RandomGenerator`,
/// so the result is reproducible), scores both models on the same draw and records
/// Δ = metric(A) − metric(B). The interval is the percentile interval of the Δs
/// (2.5th and 97.5th percentiles, linear interpolation as numpy's default); the two-sided
/// p-value is 2 · min(P*(Δ ≤ 0), P*(Δ ≥ 0)), capped at 1: the bootstrap probability that
/// the sign of the difference flips. Reference: Efron & Tibshirani (1993), *An
/// Introduction to the Bootstrap*, ch. 13 and 16; Koehn (2004), EMNLP.
///
/// Macro F1 averages the per-class F1 over the classes that occur in the labels or the
/// predictions of the (re)sample, with F1 = 0 where precision and recall are both 0
/// (scikit-learn's `f1_score(average="macro")`).
public struct PairedBootstrap: Codable, Equatable, Sendable {
    /// One metric's difference A − B.
    public struct Difference: Codable, Equatable, Sendable {
        /// The difference on the full test set.
        public var observed: Double
        /// The lower end of the percentile interval.
        public var lower: Double
        /// The upper end of the percentile interval.
        public var upper: Double
        /// Two-sided bootstrap p-value of "no difference".
        public var pValue: Double
    }

    /// Accuracy(A) − accuracy(B).
    public var accuracy: Difference
    /// Macro F1(A) − macro F1(B).
    public var macroF1: Difference
    /// The number of bootstrap rounds.
    public var resamples: Int
    /// The interval's confidence level.
    public var confidence: Double
    /// The generator seed.
    public var seed: UInt64

    /// Runs the bootstrap. `labels`, `predictionsA` and `predictionsB` are class indices of
    /// the same posts in the same order (non-empty, equal lengths).
    public init(labels: [Int], predictionsA: [Int], predictionsB: [Int], resamples: Int = 10_000,
                confidence: Double = 0.95, seed: UInt64 = 0) {
        precondition(!labels.isEmpty && labels.count == predictionsA.count && labels.count == predictionsB.count,
                     "PairedBootstrap: labels and both prediction lists must be non-empty and of equal length")
        precondition(resamples > 0 && confidence > 0 && confidence < 1, "PairedBootstrap: bad resamples or confidence")
        let classCount = (labels + predictionsA + predictionsB).max().map { $0 + 1 } ?? 1
        var generator = RandomGenerator(seed: seed)
        let count = labels.count
        var accuracyDeltas = [Double](repeating: 0, count: resamples)
        var macroDeltas = [Double](repeating: 0, count: resamples)
        var sample = [Int](repeating: 0, count: count)
        for round in 0..<resamples {
            for position in 0..<count { sample[position] = Int(generator.next() % UInt64(count)) }
            let scoreA = ClassificationScore(labels: labels, predictions: predictionsA, rows: sample, classCount: classCount)
            let scoreB = ClassificationScore(labels: labels, predictions: predictionsB, rows: sample, classCount: classCount)
            accuracyDeltas[round] = scoreA.accuracy - scoreB.accuracy
            macroDeltas[round] = scoreA.macroF1 - scoreB.macroF1
        }
        let all = Array(0..<count)
        let fullA = ClassificationScore(labels: labels, predictions: predictionsA, rows: all, classCount: classCount)
        let fullB = ClassificationScore(labels: labels, predictions: predictionsB, rows: all, classCount: classCount)
        accuracy = Self.difference(observed: fullA.accuracy - fullB.accuracy, deltas: accuracyDeltas, confidence: confidence)
        macroF1 = Self.difference(observed: fullA.macroF1 - fullB.macroF1, deltas: macroDeltas, confidence: confidence)
        self.resamples = resamples
        self.confidence = confidence
        self.seed = seed
    }

    static func difference(observed: Double, deltas: [Double], confidence: Double) -> Difference {
        let sorted = deltas.sorted()
        let alpha = 1 - confidence
        let atMostZero = Double(deltas.filter { $0 <= 0 }.count) / Double(deltas.count)
        let atLeastZero = Double(deltas.filter { $0 >= 0 }.count) / Double(deltas.count)
        return Difference(observed: observed, lower: percentile(sorted, alpha / 2),
                          upper: percentile(sorted, 1 - alpha / 2), pValue: min(1, 2 * min(atMostZero, atLeastZero)))
    }

    /// The q-quantile of sorted values with linear interpolation between order statistics
    /// (numpy's default `percentile` method).
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        let fraction = position - Double(below)
        return sorted[below] + (sorted[above] - sorted[below]) * fraction
    }
}

/// Accuracy and macro F1 of predictions on a multiset of rows (internal to the statistics).
struct ClassificationScore {
    var accuracy: Double
    var macroF1: Double

    init(labels: [Int], predictions: [Int], rows: [Int], classCount: Int) {
        var truePositives = [Int](repeating: 0, count: classCount)
        var labelCounts = [Int](repeating: 0, count: classCount)
        var predictionCounts = [Int](repeating: 0, count: classCount)
        var correct = 0
        for row in rows {
            let (label, predicted) = (labels[row], predictions[row])
            labelCounts[label] += 1
            predictionCounts[predicted] += 1
            if label == predicted {
                correct += 1
                truePositives[label] += 1
            }
        }
        accuracy = Double(correct) / Double(rows.count)
        var f1Sum = 0.0
        var present = 0
        for index in 0..<classCount where labelCounts[index] + predictionCounts[index] > 0 {
            present += 1
            // F1 = 2·TP / (2·TP + FP + FN) = 2·TP / (|labelled c| + |predicted c|).
            f1Sum += 2 * Double(truePositives[index]) / Double(labelCounts[index] + predictionCounts[index])
        }
        macroF1 = present > 0 ? f1Sum / Double(present) : 0
    }
}
