import Foundation
import FusionModels
import Testing
@testable import Training

/// The experiment store (SQLite) and the `runs compare` tables built from it.
@Suite struct ExperimentStoreTests {
    static func run(_ model: String, _ ablations: [String], seed: UInt64, accuracy: Double, macro: Double, auc: Double?) -> StoredRun {
        var metrics = ["accuracy": accuracy, "macro_f1": macro, "weighted_f1": macro + 0.01]
        if let auc { metrics["auc"] = auc }
        return StoredRun(directory: "/runs/\(model)\(ablations.joined())/seed-\(seed)", model: model,
                         preset: model == "hglnet" ? "weibo" : nil, ablations: ablations, seed: seed,
                         featureStore: "/features/weibo", created: "2026-11-23T20:00:0\(seed)Z", bestEpoch: Int(seed) + 2,
                         metrics: metrics)
    }

    static let stored: [StoredRun] = [
        run("hglnet", [], seed: 1, accuracy: 0.90, macro: 0.88, auc: 0.95),
        run("concat", [], seed: 1, accuracy: 0.80, macro: 0.79, auc: nil),
        run("hglnet", [], seed: 2, accuracy: 0.92, macro: 0.90, auc: 0.97),
        run("hglnet", ["no_gga"], seed: 1, accuracy: 0.85, macro: 0.84, auc: 0.91),
        run("hglnet", [], seed: 3, accuracy: 0.91, macro: 0.86, auc: 0.96),
    ]

    @Test func storesRunsAndComparesThemInEveryFormat() throws {
        let directory = XORTable.temporaryDirectory("store")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = ExperimentStore.defaultURL(workspace: directory)
        #expect(url.lastPathComponent == "mmfusion.sqlite")
        let environment = RunEnvironment(machine: "host x86_64", operatingSystem: "Linux", swiftVersion: "6.3",
                                         weightHashes: ["text.sha256": "ab12"])
        do {
            let store = try ExperimentStore(url: url)
            for run in Self.stored {
                let history = [EpochRecord(epoch: 1, step: 10, trainLoss: 0.7, valLoss: 0.6, valAccuracy: 0.7, valMacroF1: 0.65,
                                           learningRate: 1e-4, seconds: 2)]
                try store.record(run, configuration: "{}", modelConfiguration: "{}", history: history, environment: environment)
            }
            // Recording a directory again replaces it.
            try store.record(Self.stored[0], configuration: "{}", modelConfiguration: "{}", history: [], environment: environment)
        }
        let store = try ExperimentStore(url: url)
        let runs = try store.runs()
        #expect(runs.count == 5)
        #expect(Set(runs.map(\.directory)) == Set(Self.stored.map(\.directory)))
        #expect(runs.first { $0.directory == Self.stored[0].directory } == Self.stored[0])
        #expect(try store.history(directory: Self.stored[0].directory).isEmpty)
        #expect(try store.history(directory: Self.stored[1].directory).first?.valMacroF1 == 0.65)
        #expect(try store.environment(directory: Self.stored[1].directory) == environment)

        let comparison = RunComparison(runs: Self.stored)
        #expect(comparison.render(.text) == """
            model                   seeds      accuracy      macro_f1   weighted_f1           auc
            hglnet [weibo]              3  91.00 ± 1.00  88.00 ± 2.00  89.00 ± 2.00  96.00 ± 1.00
            concat                      1  80.00 ± 0.00  79.00 ± 0.00  80.00 ± 0.00             -
            hglnet [weibo] -no_gga      1  85.00 ± 0.00  84.00 ± 0.00  85.00 ± 0.00  91.00 ± 0.00

            """)
        #expect(comparison.render(.markdown) == """
            | model | seeds | accuracy | macro_f1 | weighted_f1 | auc |
            |---|---:|---:|---:|---:|---:|
            | hglnet [weibo] | 3 | 91.00 ± 1.00 | 88.00 ± 2.00 | 89.00 ± 2.00 | 96.00 ± 1.00 |
            | concat | 1 | 80.00 ± 0.00 | 79.00 ± 0.00 | 80.00 ± 0.00 | - |
            | hglnet [weibo] -no_gga | 1 | 85.00 ± 0.00 | 84.00 ± 0.00 | 85.00 ± 0.00 | 91.00 ± 0.00 |

            """)
        #expect(comparison.render(.csv) == """
            model,seeds,accuracy_mean,accuracy_std,macro_f1_mean,macro_f1_std,weighted_f1_mean,weighted_f1_std,auc_mean,auc_std
            hglnet [weibo],3,0.910000,0.010000,0.880000,0.020000,0.890000,0.020000,0.960000,0.010000
            concat,1,0.800000,0.000000,0.790000,0.000000,0.800000,0.000000,,
            hglnet [weibo] -no_gga,1,0.850000,0.000000,0.840000,0.000000,0.850000,0.000000,0.910000,0.000000

            """)
    }

    @Test func readsRunDirectoriesDirectly() throws {
        let table = XORTable.make(count: 60)
        let root = XORTable.temporaryDirectory("seeds")
        defer { try? FileManager.default.removeItem(at: root) }
        for seed: UInt64 in [1, 2] {
            var configuration = XORTable.concatConfiguration(epochs: 2, seed: seed)
            configuration.ablations = []
            _ = try Trainer(configuration: configuration, table: table).train(into: root.appendingPathComponent("seed-\(seed)"))
        }
        let runs = try StoredRun.runs(at: root)
        #expect(runs.map(\.seed) == [1, 2] && runs.allSatisfy { $0.model == "concat" })
        let sidecar = try RunDirectory(url: root.appendingPathComponent("seed-2")).sidecar()
        #expect(runs[1].metrics == StoredRun.metricValues(sidecar.metrics))
        let store = try ExperimentStore(url: root.appendingPathComponent("store/mmfusion.sqlite"))
        try store.record(RunDirectory(url: root.appendingPathComponent("seed-1")),
                         environment: RunEnvironment.current(encoders: .array([
                            .object(["kind": .string("bert"), "weights_sha256": .string("ff")]),
                            .object(["fileHashes": .object(["model.safetensors": .string("ee")]), "kind": .string("vision")]),
                         ])))
        let recorded = try store.runs()
        #expect(recorded == [runs[0]])
        #expect(try store.history(directory: runs[0].directory).count == 2)
        #expect(try store.environment(directory: runs[0].directory)?.weightHashes
            == ["[0].weights_sha256": "ff", "[1].fileHashes.model.safetensors": "ee"])
        #expect(throws: TrainingError.self) { try StoredRun.runs(at: root.appendingPathComponent("store")) }
    }
}
