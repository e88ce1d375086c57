import Foundation

/// The spread of one metric over repeated runs (seeds): mean, sample standard deviation
/// and a Student t confidence interval for the mean.
///
/// - mean x̄ = Σ xᵢ / n
/// - sample standard deviation s = √(Σ (xᵢ − x̄)² / (n − 1)) (Bessel-corrected, numpy `ddof=1`)
/// - interval x̄ ± t_{1−α/2, n−1} · s / √n, with α = 1 − confidence
///   (scipy `stats.t.interval(confidence, n-1, loc=x̄, scale=s/√n)`).
///
/// With one value the deviation and interval are nil (undefined), not zero.
public struct SeedSummary: Codable, Equatable, Sendable {
    /// The number of values (runs).
    public var count: Int
    /// The arithmetic mean.
    public var mean: Double
    /// The sample standard deviation (n − 1 in the denominator); nil when `count < 2`.
    public var standardDeviation: Double?
    /// The confidence level of the interval, e.g. 0.95.
    public var confidence: Double
    /// The lower end of the confidence interval for the mean; nil when `count < 2`.
    public var lower: Double?
    /// The upper end of the confidence interval for the mean; nil when `count < 2`.
    public var upper: Double?

    /// Summarises `values` (at least one) at the given confidence level (default 95%).
    public init(_ values: [Double], confidence: Double = 0.95) {
        precondition(!values.isEmpty, "SeedSummary: no values to summarise")
        precondition(confidence > 0 && confidence < 1, "SeedSummary: confidence must lie in (0, 1)")
        count = values.count
        self.confidence = confidence
        mean = values.reduce(0, +) / Double(values.count)
        guard values.count > 1 else { return }
        let center = mean
        let variance = values.reduce(0) { $0 + ($1 - center) * ($1 - center) } / Double(values.count - 1)
        let deviation = variance.squareRoot()
        standardDeviation = deviation
        let quantile = SpecialFunctions.studentTQuantile(0.5 + confidence / 2, degreesOfFreedom: Double(values.count - 1))
        let halfWidth = quantile * deviation / Double(values.count).squareRoot()
        lower = mean - halfWidth
        upper = mean + halfWidth
    }

    /// "mean ± std" with `digits` decimals (the std part left out with one value),
    /// scaled by `scale` (100 shows fractions as percentages).
    public func formatted(digits: Int = 2, scale: Double = 1) -> String {
        let meanText = String(format: "%.\(digits)f", mean * scale)
        guard let standardDeviation else { return meanText }
        return meanText + " ± " + String(format: "%.\(digits)f", standardDeviation * scale)
    }
}
