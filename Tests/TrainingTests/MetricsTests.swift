import Foundation
import FusionModels
import Testing
@testable import Training

/// `ClassificationMetrics` against scikit-learn (Tests/Fixtures/generate/training.py writes
/// Tests/Fixtures/training/metrics.json). Tolerance 1e-12: both sides compute in Double.
@Suite struct MetricsTests {
    struct Case: Decodable {
        let name: String
        let classes: Int
        let labels: [Int]
        let predicted: [Int]
        let accuracy: Double
        let precision: [Double]
        let recall: [Double]
        let f1: [Double]
        let support: [Int]
        let macro_f1: Double
        let weighted_f1: Double
        let confusion_matrix: [[Int]]
        let scores: [Double]?
        let auc: Double?
    }

    static func cases() throws -> [Case] {
        let url = TrainingFixtures.directory.appendingPathComponent("metrics.json")
        return try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
    }

    @Test func matchesScikitLearn() throws {
        let cases = try Self.cases()
        #expect(cases.count == 4)
        for reference in cases {
            let names = (0..<reference.classes).map { "class\($0)" }
            let metrics = try ClassificationMetrics(
                labels: reference.labels, predicted: reference.predicted, labelNames: names,
                positiveScores: reference.scores)
            let tolerance = 1e-12
            #expect(abs(metrics.accuracy - reference.accuracy) < tolerance, "\(reference.name) accuracy")
            #expect(abs(metrics.macroF1 - reference.macro_f1) < tolerance, "\(reference.name) macro F1")
            #expect(abs(metrics.weightedF1 - reference.weighted_f1) < tolerance, "\(reference.name) weighted F1")
            #expect(metrics.confusionMatrix == reference.confusion_matrix, "\(reference.name) confusion matrix")
            for c in 0..<reference.classes {
                let row = metrics.perClass[c]
                #expect(row.label == names[c])
                #expect(abs(row.precision - reference.precision[c]) < tolerance, "\(reference.name) precision \(c)")
                #expect(abs(row.recall - reference.recall[c]) < tolerance, "\(reference.name) recall \(c)")
                #expect(abs(row.f1 - reference.f1[c]) < tolerance, "\(reference.name) F1 \(c)")
                #expect(row.support == reference.support[c], "\(reference.name) support \(c)")
            }
            if let auc = reference.auc {
                let computed = try #require(metrics.auc, "\(reference.name) has no AUC")
                #expect(abs(computed - auc) < tolerance, "\(reference.name) AUC \(computed) vs \(auc)")
            } else {
                #expect(metrics.auc == nil)
            }
        }
    }

    @Test func encodesTheRunDirectorySnakeCaseKeys() throws {
        let metrics = try ClassificationMetrics(
            labels: [0, 1, 1, 0], predicted: [0, 1, 0, 0], labelNames: ["real", "fake"],
            positiveScores: [0.1, 0.9, 0.4, 0.3])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(metrics), as: UTF8.self)
        #expect(text == #"{"accuracy":0.75,"auc":1,"confusion_matrix":[[2,0],[1,1]],"macro_f1":0.7333333333333334,"#
            + #""per_class":[{"f1":0.8,"label":"real","precision":0.6666666666666666,"recall":1,"support":2},"#
            + #"{"f1":0.6666666666666666,"label":"fake","precision":1,"recall":0.5,"support":2}],"weighted_f1":0.7333333333333334}"#)
        let decoded = try JSONDecoder().decode(ClassificationMetrics.self, from: Data(text.utf8))
        #expect(decoded == metrics)
    }

    @Test func refusesMismatchedInput() {
        #expect(throws: TrainingError.self) {
            try ClassificationMetrics(labels: [0, 1], predicted: [0], labelNames: ["a", "b"])
        }
        #expect(throws: TrainingError.self) {
            try ClassificationMetrics(labels: [0, 2], predicted: [0, 1], labelNames: ["a", "b"])
        }
        #expect(ClassificationMetrics.rocAUC(labels: [true, true], scores: [0.2, 0.4]) == nil)
    }
}

enum TrainingFixtures {
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/training")
    }
}
