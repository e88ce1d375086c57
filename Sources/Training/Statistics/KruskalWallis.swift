import Foundation

/// The Kruskal-Wallis H test: do k groups of values (e.g. one metric over seeds for each
/// model) come from the same distribution? Rank-based, so no normality assumption.
///
/// All N values are ranked together (ties get their mean rank); with Rᵢ the rank sum and
/// nᵢ the size of group i,
///
///     H = 12 / (N (N + 1)) · Σ Rᵢ² / nᵢ − 3 (N + 1)
///
/// divided by the tie correction C = 1 − Σ (t³ − t) / (N³ − N) over groups of tied values
/// of size t. Under the null hypothesis H is approximately chi-squared with k − 1 degrees
/// of freedom; the p-value is its survival function. Matches `scipy.stats.kruskal`.
/// Reference: Kruskal & Wallis (1952), J. Am. Stat. Assoc. 47(260).
public struct KruskalWallis: Codable, Equatable, Sendable {
    /// The tie-corrected H statistic.
    public var statistic: Double
    /// Degrees of freedom, k − 1.
    public var degreesOfFreedom: Int
    /// P(χ²_{k−1} ≥ H).
    public var pValue: Double

    /// Errors in the input groups.
    public enum Failure: Error, CustomStringConvertible {
        case tooFewGroups(Int)
        case emptyGroup(index: Int)
        case allValuesIdentical

        public var description: String {
            switch self {
            case .tooFewGroups(let count):
                return "Kruskal-Wallis needs at least two groups, got \(count); compare two or more models"
            case .emptyGroup(let index):
                return "Kruskal-Wallis: group \(index) has no values; every model needs at least one run"
            case .allValuesIdentical:
                return "Kruskal-Wallis: all values are identical, so the ranks carry no information"
            }
        }
    }

    /// Runs the test on `groups` (at least two, each non-empty).
    /// - Throws: `KruskalWallis.Failure` for fewer than two groups, an empty group, or all
    ///   values identical (H undefined).
    public init(groups: [[Double]]) throws {
        guard groups.count >= 2 else { throw Failure.tooFewGroups(groups.count) }
        if let empty = groups.firstIndex(where: \.isEmpty) { throw Failure.emptyGroup(index: empty) }
        let pooled = groups.enumerated().flatMap { group in group.element.map { (value: $0, group: group.offset) } }
        let total = Double(pooled.count)
        let order = pooled.indices.sorted { pooled[$0].value < pooled[$1].value }
        var ranks = [Double](repeating: 0, count: pooled.count)
        var tieSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && pooled[order[end + 1]].value == pooled[order[start]].value { end += 1 }
            let meanRank = Double(start + end + 2) / 2
            for position in start...end { ranks[order[position]] = meanRank }
            let tied = Double(end - start + 1)
            tieSum += tied * tied * tied - tied
            start = end + 1
        }
        var rankSums = [Double](repeating: 0, count: groups.count)
        for (index, entry) in pooled.enumerated() { rankSums[entry.group] += ranks[index] }
        var sum = 0.0
        for (index, group) in groups.enumerated() { sum += rankSums[index] * rankSums[index] / Double(group.count) }
        let uncorrected = 12 / (total * (total + 1)) * sum - 3 * (total + 1)
        let correction = 1 - tieSum / (total * total * total - total)
        guard correction > 0 else { throw Failure.allValuesIdentical }
        statistic = uncorrected / correction
        degreesOfFreedom = groups.count - 1
        pValue = SpecialFunctions.chiSquaredSurvival(statistic, degreesOfFreedom: Double(degreesOfFreedom))
    }
}
