import Foundation

/// McNemar's test between two classifiers on the same posts: do they err on different
/// posts more often one way than the other?
///
/// With b = posts A gets right and B gets wrong, c = posts A gets wrong and B right:
/// - when b + c < `exactThreshold` (25, the usual rule), the exact test: under the null
///   hypothesis b ~ Binomial(b + c, ½), p = min(1, 2 · P(X ≤ min(b, c)))
///   (statsmodels `mcnemar(exact=True)`; the statistic reported is min(b, c));
/// - otherwise the chi-squared test with continuity correction (Edwards 1948):
///   χ² = (|b − c| − 1)² / (b + c) on 1 degree of freedom
///   (statsmodels `mcnemar(exact=False, correction=True)`).
///
/// With b + c = 0 the models agree on every post's correctness and p = 1.
/// Reference: McNemar (1947), Psychometrika 12(2); Dietterich (1998), Neural Computation 10(7).
public struct McNemarTest: Codable, Equatable, Sendable {
    /// Posts A classifies correctly and B does not.
    public var onlyACorrect: Int
    /// Posts B classifies correctly and A does not.
    public var onlyBCorrect: Int
    /// True when the exact binomial test was used.
    public var exact: Bool
    /// min(b, c) for the exact test, the corrected χ² otherwise.
    public var statistic: Double
    /// The two-sided p-value.
    public var pValue: Double

    /// Below this many discordant posts the exact binomial test is used.
    public static let exactThreshold = 25

    /// Runs the test on class indices of the same posts in the same order.
    public init(labels: [Int], predictionsA: [Int], predictionsB: [Int]) {
        precondition(labels.count == predictionsA.count && labels.count == predictionsB.count,
                     "McNemarTest: labels and both prediction lists must have equal lengths")
        var onlyA = 0
        var onlyB = 0
        for index in labels.indices {
            let correctA = predictionsA[index] == labels[index]
            let correctB = predictionsB[index] == labels[index]
            if correctA && !correctB { onlyA += 1 }
            if correctB && !correctA { onlyB += 1 }
        }
        self.init(onlyACorrect: onlyA, onlyBCorrect: onlyB)
    }

    /// Runs the test on the discordant counts b (only A correct) and c (only B correct).
    public init(onlyACorrect b: Int, onlyBCorrect c: Int) {
        onlyACorrect = b
        onlyBCorrect = c
        let discordant = b + c
        if discordant < Self.exactThreshold {
            exact = true
            statistic = Double(min(b, c))
            pValue = discordant == 0 ? 1 : min(1, 2 * SpecialFunctions.binomialHalfCumulative(min(b, c), trials: discordant))
        } else {
            exact = false
            let excess = max(Double(abs(b - c)) - 1, 0)
            statistic = excess * excess / Double(discordant)
            pValue = SpecialFunctions.chiSquaredSurvival(statistic, degreesOfFreedom: 1)
        }
    }
}
