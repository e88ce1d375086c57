import Foundation

/// Calibration of predicted probabilities: the reliability diagram's bins and the
/// expected calibration error (ECE).
///
/// A post's confidence is its largest class probability and it counts as correct when
/// that class is its label. Confidences fall into `binCount` equal-width bins
/// (lᵢ, uᵢ] = ((i−1)/M, i/M] (a confidence of exactly 0 falls into the first bin). With
/// Bᵢ the posts in bin i and n the number of posts,
///
///     ECE = Σᵢ |Bᵢ| / n · |acc(Bᵢ) − conf(Bᵢ)|
///     MCE = maxᵢ |acc(Bᵢ) − conf(Bᵢ)|   (over non-empty bins)
///
/// with acc the fraction correct and conf the mean confidence of the bin. M = 15 as in
/// Guo et al. (2017), "On Calibration of Modern Neural Networks", ICML, and their
/// reference code (`_ECELoss`).
public struct ReliabilityDiagram: Codable, Equatable, Sendable {
    /// One confidence bin.
    public struct Bin: Codable, Equatable, Sendable {
        /// The bin's lower edge (exclusive, except 0 for the first bin).
        public var lower: Double
        /// The bin's upper edge (inclusive).
        public var upper: Double
        /// The number of posts whose confidence falls in the bin.
        public var count: Int
        /// Mean confidence of those posts (0 when empty).
        public var meanConfidence: Double
        /// Fraction of those posts classified correctly (0 when empty).
        public var accuracy: Double
    }

    /// The bins, in order of confidence.
    public var bins: [Bin]
    /// Expected calibration error.
    public var expectedCalibrationError: Double
    /// Maximum calibration error.
    public var maximumCalibrationError: Double
    /// The number of posts.
    public var count: Int

    /// Bins `probabilities` (one row of class probabilities per post) against `labels`
    /// (class indices). Rows must be non-empty and as many as labels.
    public init(probabilities: [[Double]], labels: [Int], binCount: Int = 15) {
        precondition(probabilities.count == labels.count && !labels.isEmpty,
                     "ReliabilityDiagram: need one probability row per label, and at least one")
        precondition(binCount > 0, "ReliabilityDiagram: binCount must be positive")
        var counts = [Int](repeating: 0, count: binCount)
        var confidenceSums = [Double](repeating: 0, count: binCount)
        var correctCounts = [Int](repeating: 0, count: binCount)
        for (row, label) in zip(probabilities, labels) {
            precondition(!row.isEmpty, "ReliabilityDiagram: empty probability row")
            var best = 0
            for index in row.indices where row[index] > row[best] { best = index }
            let confidence = row[best]
            // Bin i holds ((i)/M, (i+1)/M]: ceil(conf·M) − 1, clamped into range.
            let bin = min(max(Int((confidence * Double(binCount)).rounded(.up)) - 1, 0), binCount - 1)
            counts[bin] += 1
            confidenceSums[bin] += confidence
            if best == label { correctCounts[bin] += 1 }
        }
        var expected = 0.0
        var maximum = 0.0
        bins = (0..<binCount).map { index in
            let count = counts[index]
            let meanConfidence = count > 0 ? confidenceSums[index] / Double(count) : 0
            let accuracy = count > 0 ? Double(correctCounts[index]) / Double(count) : 0
            return Bin(lower: Double(index) / Double(binCount), upper: Double(index + 1) / Double(binCount),
                       count: count, meanConfidence: meanConfidence, accuracy: accuracy)
        }
        for bin in bins where bin.count > 0 {
            let gap = abs(bin.accuracy - bin.meanConfidence)
            expected += Double(bin.count) / Double(labels.count) * gap
            maximum = max(maximum, gap)
        }
        expectedCalibrationError = expected
        maximumCalibrationError = maximum
        count = labels.count
    }
}
