import Foundation
import Testing
@testable import Training

/// Statistics against scipy / scikit-learn values from Tests/Fixtures/generate/significance.py.
/// Tolerances: distribution functions 1e-10 relative (1e-300 absolute), summaries and
/// test statistics 1e-10 relative.
@Suite struct SignificanceTests {
    let fixture: [String: Any]

    init() throws {
        fixture = try ReportFixture.json("significance", "significance.json")
    }

    @Test func chiSquaredSurvivalMatchesScipy() {
        let cases = fixture["chi2_survival"] as? [[String: Any]] ?? []
        #expect(cases.count == 9)
        for entry in cases {
            let (x, k, expected) = (ReportFixture.double(entry["x"]), ReportFixture.double(entry["k"]), ReportFixture.double(entry["p"]))
            let actual = SpecialFunctions.chiSquaredSurvival(x, degreesOfFreedom: k)
            #expect(ReportFixture.close(actual, expected, absolute: 1e-300, relative: 1e-10), "chi2.sf(\(x), \(k)) = \(actual), scipy \(expected)")
        }
    }

    @Test func incompleteGammaAndBetaMatchScipy() {
        for entry in fixture["gamma_p"] as? [[String: Any]] ?? [] {
            let actual = SpecialFunctions.regularizedGammaP(ReportFixture.double(entry["a"]), ReportFixture.double(entry["x"]))
            #expect(ReportFixture.close(actual, ReportFixture.double(entry["p"]), relative: 1e-10))
        }
        let betas = fixture["beta"] as? [[String: Any]] ?? []
        #expect(betas.count == 4)
        for entry in betas {
            let actual = SpecialFunctions.regularizedBeta(ReportFixture.double(entry["a"]), ReportFixture.double(entry["b"]),
                                                          ReportFixture.double(entry["x"]))
            #expect(ReportFixture.close(actual, ReportFixture.double(entry["p"]), relative: 1e-10), "betainc \(entry): \(actual)")
        }
    }

    @Test func studentTQuantilesMatchScipy() {
        let cases = fixture["t_quantile"] as? [[String: Any]] ?? []
        #expect(cases.count == 7)
        for entry in cases {
            let actual = SpecialFunctions.studentTQuantile(ReportFixture.double(entry["p"]), degreesOfFreedom: ReportFixture.double(entry["df"]))
            #expect(ReportFixture.close(actual, ReportFixture.double(entry["q"]), relative: 1e-9), "t.ppf \(entry): \(actual)")
        }
    }

    @Test func seedSummaryMatchesNumpyAndScipyInterval() throws {
        let cases = fixture["summaries"] as? [[String: Any]] ?? []
        #expect(cases.count == 3)
        for entry in cases {
            let summary = SeedSummary(ReportFixture.doubles(entry["values"]))
            #expect(ReportFixture.close(summary.mean, ReportFixture.double(entry["mean"]), relative: 1e-12))
            let deviation = try #require(summary.standardDeviation)
            #expect(ReportFixture.close(deviation, ReportFixture.double(entry["std"]), relative: 1e-10))
            #expect(ReportFixture.close(try #require(summary.lower), ReportFixture.double(entry["lower"]), relative: 1e-9))
            #expect(ReportFixture.close(try #require(summary.upper), ReportFixture.double(entry["upper"]), relative: 1e-9))
        }
        let single = SeedSummary([0.7])
        #expect(single.mean == 0.7 && single.standardDeviation == nil && single.lower == nil)
        #expect(SeedSummary([0.81, 0.83]).formatted(digits: 1, scale: 100) == "82.0 ± 1.4")
    }

    @Test func kruskalWallisMatchesScipyIncludingTies() throws {
        let cases = fixture["kruskal"] as? [[String: Any]] ?? []
        #expect(cases.count == 3)
        for entry in cases {
            let groups = ReportFixture.matrix(entry["groups"])
            let test = try KruskalWallis(groups: groups)
            #expect(ReportFixture.close(test.statistic, ReportFixture.double(entry["h"]), relative: 1e-10), "H \(test.statistic)")
            #expect(ReportFixture.close(test.pValue, ReportFixture.double(entry["p"]), relative: 1e-9), "p \(test.pValue)")
            #expect(test.degreesOfFreedom == groups.count - 1)
        }
        #expect(throws: KruskalWallis.Failure.self) { try KruskalWallis(groups: [[1, 2]]) }
        #expect(throws: KruskalWallis.Failure.self) { try KruskalWallis(groups: [[1, 1], [1]]) }
    }

    @Test func mcNemarMatchesExactAndCorrectedChiSquared() {
        let cases = fixture["mcnemar"] as? [[String: Any]] ?? []
        #expect(cases.count == 7)
        for entry in cases {
            let test = McNemarTest(onlyACorrect: (entry["b"] as? NSNumber)?.intValue ?? -1,
                                   onlyBCorrect: (entry["c"] as? NSNumber)?.intValue ?? -1)
            #expect(test.exact == (entry["exact"] as? Bool))
            #expect(ReportFixture.close(test.statistic, ReportFixture.double(entry["statistic"]), relative: 1e-12))
            #expect(ReportFixture.close(test.pValue, ReportFixture.double(entry["p"]), absolute: 1e-300, relative: 1e-9),
                    "McNemar \(entry): p \(test.pValue)")
        }
        // Counting the discordant posts from predictions.
        let test = McNemarTest(labels: [0, 1, 1, 0, 2, 2], predictionsA: [0, 1, 0, 0, 2, 1], predictionsB: [1, 1, 1, 0, 0, 1])
        #expect(test.onlyACorrect == 2 && test.onlyBCorrect == 1)
    }

    @Test func pairedBootstrapObservedDifferencesMatchScikitLearn() throws {
        let entry = try #require(fixture["bootstrap"] as? [String: Any])
        let labels = ReportFixture.integers(entry["labels"])
        let a = ReportFixture.integers(entry["a"])
        let b = ReportFixture.integers(entry["b"])
        let result = PairedBootstrap(labels: labels, predictionsA: a, predictionsB: b, resamples: 2000, seed: 5)
        #expect(ReportFixture.close(result.accuracy.observed, ReportFixture.double(entry["accuracy_difference"]), absolute: 1e-12))
        #expect(ReportFixture.close(result.macroF1.observed, ReportFixture.double(entry["macro_f1_difference"]), absolute: 1e-12))
        // A is right about 80%, B about 60% of 300 posts: the interval excludes 0 and holds the observed value.
        #expect(result.accuracy.lower > 0 && result.accuracy.lower < result.accuracy.observed && result.accuracy.observed < result.accuracy.upper)
        #expect(result.accuracy.pValue < 0.01 && result.macroF1.pValue < 0.01)
        // The interval's width is about 2·1.96·SE of a paired difference of proportions.
        #expect(result.accuracy.upper - result.accuracy.lower > 0.05 && result.accuracy.upper - result.accuracy.lower < 0.2)
        // Seeded: the same seed gives the same interval, another seed a different one.
        let again = PairedBootstrap(labels: labels, predictionsA: a, predictionsB: b, resamples: 2000, seed: 5)
        let other = PairedBootstrap(labels: labels, predictionsA: a, predictionsB: b, resamples: 2000, seed: 6)
        #expect(again == result)
        #expect(other.accuracy.lower != result.accuracy.lower || other.accuracy.upper != result.accuracy.upper)
    }

    @Test func pairedBootstrapOfIdenticalModelsFindsNoDifference() {
        let labels = (0..<50).map { $0 % 3 }
        let predictions = (0..<50).map { $0 % 4 == 0 ? ($0 + 1) % 3 : $0 % 3 }
        let result = PairedBootstrap(labels: labels, predictionsA: predictions, predictionsB: predictions, resamples: 500)
        #expect(result.accuracy.observed == 0 && result.accuracy.lower == 0 && result.accuracy.upper == 0)
        #expect(result.accuracy.pValue == 1 && result.macroF1.pValue == 1)
    }

    @Test func bootstrapPercentileInterpolatesLikeNumpy() {
        // numpy.percentile([1, 2, 3, 4], 25) == 1.75; 97.5 == 3.925
        #expect(abs(PairedBootstrap.percentile([1, 2, 3, 4], 0.25) - 1.75) < 1e-12)
        #expect(abs(PairedBootstrap.percentile([1, 2, 3, 4], 0.975) - 3.925) < 1e-12)
    }
}
