import Datasets
import Foundation
import FusionModels
import Testing
@testable import Training

/// The trainer on the generated XOR table: it learns, writes the run directory of the
/// contract, and a run stopped after k epochs and resumed ends bit-identical to one that
/// never stopped.
@Suite struct TrainerTests {
    static func tensors(_ url: URL) throws -> [String: Tensor] { try SafetensorsFile(contentsOf: url).tensors() }

    static func expectIdentical(_ left: [String: Tensor], _ right: [String: Tensor], _ what: String) {
        #expect(left.keys.sorted() == right.keys.sorted(), "\(what): keys differ")
        for (key, tensor) in left {
            guard let other = right[key] else { continue }
            #expect(tensor.shape == other.shape, "\(what) \(key) shape")
            let same = zip(tensor.scalars, other.scalars).allSatisfy { $0.bitPattern == $1.bitPattern }
            #expect(same, "\(what) \(key) differs")
        }
    }

    @Test func resumedRunIsBitIdenticalToAnUninterruptedOne() throws {
        let table = XORTable.make()
        // HGLNet has dropout in its attention and classifier, so the module generators
        // must be restored; the concat baseline has plain dropout layers.
        var hglnet = TrainingConfiguration(model: "hglnet")
        hglnet.modelConfiguration = [
            "text_hidden_size": .integer(8), "text_layer_count": .integer(2), "text_length": .integer(4),
            "image_channels": .integer(8), "image_grid_height": .integer(2), "image_grid_width": .integer(2),
            "image_global_size": .integer(8), "model_dimension": .integer(8), "head_count": .integer(2),
            "gate_dimension": .integer(4), "dropout": .number(0.2), "image_global": .string("pooled"),
        ]
        hglnet.epochs = 4
        hglnet.batchSize = 32
        hglnet.learningRate = 2e-3
        hglnet.schedule = .linear
        hglnet.warmupSteps = 3
        for configuration in [XORTable.concatConfiguration(epochs: 5), hglnet] {
            let whole = XORTable.temporaryDirectory("whole"), split = XORTable.temporaryDirectory("split")
            defer {
                try? FileManager.default.removeItem(at: whole)
                try? FileManager.default.removeItem(at: split)
            }
            let uninterrupted = try Trainer(configuration: configuration, table: table).train(into: whole)
            var stop = TrainingOptions()
            stop.stopAfterEpoch = 2
            let first = try Trainer(configuration: configuration, table: table).train(into: split, options: stop)
            #expect(first.sidecar == nil && first.history.count == 2)
            #expect(!RunDirectory(url: split).isComplete)
            // Training into a directory that holds a run without --resume is refused.
            #expect(throws: TrainingError.self) { try Trainer(configuration: configuration, table: table).train(into: split) }
            var resume = TrainingOptions()
            resume.resume = true
            let resumed = try Trainer(configuration: configuration, table: table).train(into: split, options: resume)
            let model = configuration.model
            Self.expectIdentical(try Self.tensors(RunDirectory(url: whole).checkpointURL(.last)),
                                 try Self.tensors(RunDirectory(url: split).checkpointURL(.last)), "\(model) last")
            Self.expectIdentical(try Self.tensors(RunDirectory(url: whole).checkpointURL(.best)),
                                 try Self.tensors(RunDirectory(url: split).checkpointURL(.best)), "\(model) best")
            Self.expectIdentical(try Self.tensors(RunDirectory(url: whole).trainingStateURL),
                                 try Self.tensors(RunDirectory(url: split).trainingStateURL), "\(model) optimizer")
            func withoutTime(_ records: [EpochRecord]) -> [EpochRecord] { records.map { var r = $0; r.seconds = 0; return r } }
            #expect(withoutTime(uninterrupted.history) == withoutTime(resumed.history))
            #expect(resumed.history.count == configuration.epochs)
            #expect(uninterrupted.sidecar?.metrics == resumed.sidecar?.metrics)
            let predictions = try String(contentsOf: RunDirectory(url: whole).predictionsURL(split: "test"), encoding: .utf8)
            #expect(predictions == (try String(contentsOf: RunDirectory(url: split).predictionsURL(split: "test"), encoding: .utf8)))
        }
    }

    @Test func learnsTheTaskAndWritesTheRunDirectory() throws {
        let table = XORTable.make()
        let directory = XORTable.temporaryDirectory("learn")
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = TrainingOptions()
        options.featureStore = "/features/xor"
        options.encoders = .object(["text": .object(["sha256": .string("abc")])])
        var reports = 0
        options.progress = { progress in
            reports += 1
            #expect(progress.line.hasPrefix("epoch \(progress.epoch)/\(progress.epochs)  step \(progress.step)"))
        }
        var configuration = XORTable.concatConfiguration(epochs: 25)
        configuration.patience = 100
        let outcome = try Trainer(configuration: configuration, table: table).train(into: directory, options: options)
        let run = RunDirectory(url: directory)
        #expect(reports == 25 * 8)  // 120 training rows in batches of 16.
        let sidecar = try run.sidecar()
        #expect(sidecar.format == 1 && sidecar.model == "concat" && sidecar.labelNames == XORTable.labelNames)
        #expect(sidecar.features == ["text.pooled", "image.pooled"])
        #expect(sidecar.featureStore == "/features/xor" && sidecar.seed == 5)
        #expect(sidecar.encoders == options.encoders)
        let metrics = try run.metrics()
        #expect(metrics == sidecar.metrics)
        #expect(metrics.accuracy >= 0.85, "test accuracy \(metrics.accuracy)")
        #expect(metrics.perClass.map(\.support).reduce(0, +) == 40)
        #expect(metrics.auc != nil)
        // The best epoch has the highest validation macro F1 (first one on ties).
        let history = try run.history()
        #expect(history == outcome.history && history.count == 25)
        let best = history.max { $0.valMacroF1 ?? 0 < $1.valMacroF1 ?? 0 }
        #expect(sidecar.bestEpoch == history.first { $0.valMacroF1 == best?.valMacroF1 }?.epoch)
        #expect(history.map(\.step) == (1...25).map { $0 * 8 })
        // The resolved configuration is saved in full.
        let saved = try run.configuration()
        #expect(saved.learningRate == 3e-3 && saved.batchSize == 16 && saved.evaluationBatchSize == 16 && saved.epochs == 25)
        // Predictions and intermediates are row-aligned with the 40 test rows.
        let lines = try String(contentsOf: run.predictionsURL(split: "test"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 40)
        #expect(lines.first?.hasPrefix(#"{"id":"post-160","label":"#) == true)
        let intermediates = try Self.tensors(run.testIntermediatesURL)
        #expect(intermediates["fused"]?.shape == [40, 32])
        // The saved best model predicts what predictions-test.jsonl says.
        let model = try run.loadModel()
        // Its temperature is the one that minimises the validation NLL of the best model.
        let validation = try Evaluation.predict(model: model, table: table, rows: table.indices(in: .val), batchSize: 16)
        #expect(sidecar.temperature == validation.fittedTemperature())
        #expect(sidecar.temperature != 1, "a fitted temperature, not the default")
        let validationLabels = validation.labels.compactMap { $0 }
        let nllAtOne = TemperatureScaling.negativeLogLikelihood(logits: validation.logits, labels: validationLabels, temperature: 1)
        let nllAtT = TemperatureScaling.negativeLogLikelihood(logits: validation.logits, labels: validationLabels,
                                                               temperature: sidecar.temperature)
        #expect(nllAtT <= nllAtOne, "validation NLL \(nllAtT) at T = \(sidecar.temperature), \(nllAtOne) at 1")
        let again = try Evaluation.predict(model: model, table: table, rows: table.indices(in: .test), batchSize: 16,
                                           temperature: sidecar.temperature)
        #expect(try again.jsonLines(labelNames: table.labelNames) == lines.joined(separator: "\n") + "\n")
        #expect(try again.metrics(labelNames: table.labelNames) == metrics)
        // Scaling leaves the arg-max (and so accuracy and F1) as it was.
        let unscaled = try Evaluation.predict(model: model, table: table, rows: table.indices(in: .test), batchSize: 16)
        #expect(unscaled.predicted == again.predicted && unscaled.probabilities != again.probabilities)
    }

    @Test func earlyStoppingEndsAfterPatienceEpochsWithoutImprovement() throws {
        let table = XORTable.make()
        let directory = XORTable.temporaryDirectory("early")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = XORTable.concatConfiguration(epochs: 60)
        configuration.patience = 3
        configuration.earlyStoppingMetric = .valAccuracy
        let outcome = try Trainer(configuration: configuration, table: table).train(into: directory)
        let history = outcome.history
        #expect(history.count < 60)
        let bestValue = history.compactMap(\.valAccuracy).max() ?? 0
        let firstBest = history.first { $0.valAccuracy == bestValue }?.epoch ?? 0
        #expect(outcome.bestEpoch == firstBest)
        #expect(history.count == firstBest + 3)
    }

    @Test func modalityPerturbationsChangeOnlyTheirModality() throws {
        let table = XORTable.make(count: 100)
        let dropped = ModalityPerturbation.dropping(.image, from: table)
        #expect(dropped.features["image.pooled"]?.scalars.allSatisfy { $0 == 0 } == true)
        #expect(dropped.features["image.grid"]?.scalars.allSatisfy { $0 == 0 } == true)
        #expect(dropped.features["text.pooled"]?.scalars == table.features["text.pooled"]?.scalars)
        #expect(dropped.imagePresent.allSatisfy { !$0 } && dropped.textPresent.allSatisfy { $0 })
        let rows = table.indices(in: .test)
        let shuffled = ModalityPerturbation.shufflingPairs(in: table, rows: rows, seed: 9)
        #expect(shuffled.features["text.layers"]?.scalars == table.features["text.layers"]?.scalars)
        let pooled = try #require(table.features["image.pooled"]), moved = try #require(shuffled.features["image.pooled"])
        // Rows outside the test split keep their image; the test rows' images are a permutation of theirs.
        #expect(moved.indexSelect(axis: 0, Array(0..<80)).scalars == pooled.indexSelect(axis: 0, Array(0..<80)).scalars)
        let original = Set(rows.map { pooled.indexSelect(axis: 0, [$0]).scalars })
        let permuted = Set(rows.map { moved.indexSelect(axis: 0, [$0]).scalars })
        #expect(original == permuted && moved.scalars != pooled.scalars)
    }

    @Test func featureExportRoundTrips() throws {
        let table = XORTable.make(count: 10)
        let directory = XORTable.temporaryDirectory("export")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FeatureTableExport.write(table, to: directory, encoders: .object(["kind": .string("bert")]))
        let (read, encoders) = try FeatureTableExport.read(at: directory)
        #expect(read.ids == table.ids && read.labels == table.labels && read.splits == table.splits)
        #expect(read.labelNames == table.labelNames && encoders == .object(["kind": .string("bert")]))
        #expect(read.features.keys.sorted() == table.features.keys.sorted())
        #expect(read.features["text.layers"]?.scalars == table.features["text.layers"]?.scalars)
    }
}
