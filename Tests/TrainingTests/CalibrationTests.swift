import Foundation
import Tensors
import Testing
@testable import Training

/// Temperature scaling against PyTorch (LBFGS on the NLL, float64) and ECE against numpy,
/// from Tests/Fixtures/generate/calibration.py. Tolerances: T within 1e-3 (absolute), the
/// NLL at the fitted T within 1e-9, ECE and bins within 1e-12.
@Suite struct CalibrationTests {
    let cases: [[String: Any]]

    init() throws {
        cases = try ReportFixture.json("calibration", "calibration.json")["cases"] as? [[String: Any]] ?? []
    }

    @Test func fittedTemperatureMatchesPyTorch() {
        #expect(cases.count == 3)
        for entry in cases {
            let logits = ReportFixture.matrix(entry["logits"])
            let labels = ReportFixture.integers(entry["labels"])
            let expected = ReportFixture.double(entry["temperature"])
            let temperature = TemperatureScaling.fit(logits: logits, labels: labels)
            #expect(abs(temperature - expected) <= 1e-3, "T = \(temperature), PyTorch \(expected)")
            let nll = TemperatureScaling.negativeLogLikelihood(logits: logits, labels: labels, temperature: temperature)
            #expect(ReportFixture.close(nll, ReportFixture.double(entry["nll"]), absolute: 1e-9))
            // The fit is a minimum: nearby temperatures have a higher NLL.
            for nearby in [temperature * 0.98, temperature * 1.02] {
                #expect(TemperatureScaling.negativeLogLikelihood(logits: logits, labels: labels, temperature: nearby) > nll)
            }
        }
    }

    @Test func expectedCalibrationErrorMatchesNumpy() {
        for entry in cases {
            let logits = ReportFixture.matrix(entry["logits"])
            let labels = ReportFixture.integers(entry["labels"])
            let probabilities = logits.map { TemperatureScaling.probabilities(logits: $0, temperature: 1) }
            let diagram = ReliabilityDiagram(probabilities: probabilities, labels: labels)
            #expect(ReportFixture.close(diagram.expectedCalibrationError, ReportFixture.double(entry["ece"]), absolute: 1e-12),
                    "ECE \(diagram.expectedCalibrationError)")
            let bins = entry["bins"] as? [[String: Any]] ?? []
            #expect(bins.count == 15 && diagram.bins.count == 15)
            for (bin, reference) in zip(diagram.bins, bins) {
                #expect(bin.count == (reference["count"] as? NSNumber)?.intValue)
                #expect(ReportFixture.close(bin.accuracy, ReportFixture.double(reference["accuracy"]), absolute: 1e-12))
                #expect(ReportFixture.close(bin.meanConfidence, ReportFixture.double(reference["confidence"]), absolute: 1e-12))
            }
            #expect(diagram.bins.map(\.count).reduce(0, +) == labels.count)
        }
    }

    @Test func temperatureScalingLowersTestCalibrationError() {
        // Fit on the first half, apply to the second: ECE goes down on overconfident logits.
        guard let entry = cases.first else { return }
        let logits = ReportFixture.matrix(entry["logits"])
        let labels = ReportFixture.integers(entry["labels"])
        let half = logits.count / 2
        let temperature = TemperatureScaling.fit(logits: Array(logits[..<half]), labels: Array(labels[..<half]))
        #expect(temperature > 1.5)
        let before = ReliabilityDiagram(probabilities: logits[half...].map { TemperatureScaling.probabilities(logits: $0, temperature: 1) },
                                        labels: Array(labels[half...]))
        let after = ReliabilityDiagram(probabilities: logits[half...].map { TemperatureScaling.probabilities(logits: $0, temperature: temperature) },
                                       labels: Array(labels[half...]))
        #expect(after.expectedCalibrationError < before.expectedCalibrationError * 0.6)
        // Scaling never changes the predicted class.
        for row in logits[half...] {
            let plain = TemperatureScaling.probabilities(logits: row, temperature: 1)
            let scaled = TemperatureScaling.probabilities(logits: row, temperature: temperature)
            #expect(plain.firstIndex(of: plain.max() ?? 0) == scaled.firstIndex(of: scaled.max() ?? 0))
        }
    }

    @Test func tensorEntryPointsAgreeWithTheArrayOnes() throws {
        let entry = try #require(cases.last)
        let logits = ReportFixture.matrix(entry["logits"])
        let labels = ReportFixture.integers(entry["labels"])
        let tensor = Tensor(shape: [logits.count, logits[0].count], scalars: logits.flatMap { $0.map(Float.init) })
        let temperature = TemperatureScaling.fit(logits: tensor, labels: labels)
        #expect(abs(temperature - ReportFixture.double(entry["temperature"])) <= 1e-3)
        let probabilities = TemperatureScaling.probabilities(logits: tensor, temperature: temperature)
        #expect(probabilities.shape == tensor.shape)
        let first = TemperatureScaling.probabilities(logits: logits[0], temperature: temperature)
        for (actual, expected) in zip(probabilities.scalars.prefix(first.count), first) { #expect(abs(Double(actual) - expected) < 1e-6) }
    }

    @Test func binEdgesAreRightClosed() {
        // Confidence 1 falls into the last bin (i/15, 1]; 0.75 into (11/15, 12/15]; 0.5 into (7/15, 8/15].
        let diagram = ReliabilityDiagram(probabilities: [[0.25, 0.75], [1, 0], [0.5, 0.5]], labels: [0, 0, 0])
        #expect(diagram.bins[14].count == 1 && diagram.bins[14].accuracy == 1)
        #expect(diagram.bins[11].count == 1 && diagram.bins[11].accuracy == 0)
        #expect(diagram.bins[7].count == 1 && diagram.bins[7].accuracy == 1)  // ties go to the first class
        // ECE = (1/3)|0 − 0.75| + (1/3)|1 − 1| + (1/3)|1 − 0.5|
        #expect(abs(diagram.expectedCalibrationError - (0.75 + 0.5) / 3) < 1e-12)
        #expect(abs(diagram.maximumCalibrationError - 0.75) < 1e-12)
    }
}
