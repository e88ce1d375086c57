import Datasets
import Foundation
import FusionModels

/// A model's predictions over rows of a feature table: class probabilities, arg-max
/// classes, the mean cross-entropy and the per-sample intermediates the model reports.
public struct Predictions {
    /// The post id of each row.
    public var ids: [String]
    /// The true class of each row (nil for unlabelled posts).
    public var labels: [Int?]
    /// softmax(logits / T) per row, in class order.
    public var probabilities: [[Double]]
    /// The arg-max class of each row.
    public var predicted: [Int]
    /// Mean cross-entropy of the logits over the labelled rows (nil when none is labelled).
    public var loss: Double?
    /// Per-sample intermediates (first axis = rows): `fused` and whatever the model reports
    /// with a batch first axis, concatenated over the batches.
    public var intermediates: [String: Tensor]
    /// The model's logits per row (before any temperature).
    public var logits: [[Double]] = []

    /// The temperature that minimises the negative log-likelihood of the labelled rows
    /// (`TemperatureScaling.fit`); 1 when no row is labelled.
    public func fittedTemperature() -> Double {
        let labelled = labels.indices.filter { labels[$0] != nil && $0 < logits.count }
        guard !labelled.isEmpty else { return 1 }
        return TemperatureScaling.fit(logits: labelled.map { logits[$0] }, labels: labelled.compactMap { labels[$0] })
    }

    /// The same predictions with probabilities softmax(logits / `temperature`); the
    /// arg-max classes, the loss and the intermediates do not change.
    public func rescaled(temperature: Double) -> Predictions {
        var result = self
        result.probabilities = logits.map { TemperatureScaling.probabilities(logits: $0, temperature: temperature) }
        return result
    }

    /// Metrics over the labelled rows.
    /// - Throws: `TrainingError.invalidInput` when no row is labelled.
    public func metrics(labelNames: [String]) throws -> ClassificationMetrics {
        let labelled = labels.indices.filter { labels[$0] != nil }
        let truth = labelled.compactMap { labels[$0] }
        let scores = labelNames.count == 2 ? labelled.map { probabilities[$0][1] } : nil
        return try ClassificationMetrics(
            labels: truth, predicted: labelled.map { predicted[$0] }, labelNames: labelNames, positiveScores: scores)
    }

    /// One JSON line per row: `{"id", "label", "predicted", "probabilities"}` with label
    /// names (label null when unknown).
    public func jsonLines(labelNames: [String]) throws -> String {
        struct Line: Encodable {
            let id: String
            let label: String?
            let predicted: String
            let probabilities: [Double]
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(id, forKey: .id)
                try container.encode(label, forKey: .label)
                try container.encode(predicted, forKey: .predicted)
                try container.encode(probabilities, forKey: .probabilities)
            }
            enum Keys: String, CodingKey { case id, label, predicted, probabilities }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var text = ""
        for row in ids.indices {
            let line = Line(id: ids[row], label: labels[row].map { labelNames[$0] }, predicted: labelNames[predicted[row]],
                            probabilities: probabilities[row])
            text += String(decoding: try encoder.encode(line), as: UTF8.self) + "\n"
        }
        return text
    }
}

/// Runs a trained model over feature tables in evaluation mode, without gradients.
public enum Evaluation {
    /// Predictions of `model` for `rows` of `table`, in batches of `batchSize`, with
    /// probabilities softmax(logits / `temperature`).
    /// - Throws: `FusionModelError` when the table lacks a feature the model needs.
    public static func predict(
        model: any FusionModel, table: FeatureTable, rows: [Int], batchSize: Int, temperature: Double = 1
    ) throws -> Predictions {
        model.eval()
        let names = model.requirements.featureNames
        var probabilities: [[Double]] = []
        var allLogits: [[Double]] = []
        var predicted: [Int] = []
        var lossSum = 0.0
        var labelledCount = 0
        var pieces: [String: [Tensor]] = [:]
        var dropped: Set<String> = []
        try withoutGradients {
            for start in stride(from: 0, to: rows.count, by: Swift.max(1, batchSize)) {
                let batchRows = Array(rows[start..<Swift.min(start + batchSize, rows.count)])
                let output = try model.forward(try table.batch(batchRows, features: names))
                let logits = output.logits
                let classes = logits.shape[1]
                let values = logits.scalars
                for (offset, row) in batchRows.enumerated() {
                    let rowLogits = values[(offset * classes)..<((offset + 1) * classes)].map(Double.init)
                    let scaled = rowLogits.map { $0 / temperature }
                    let maximum = scaled.max() ?? 0
                    let exponentials = scaled.map { Foundation.exp($0 - maximum) }
                    let total = exponentials.reduce(0, +)
                    probabilities.append(exponentials.map { $0 / total })
                    allLogits.append(rowLogits)
                    predicted.append(rowLogits.indices.max { rowLogits[$0] < rowLogits[$1] } ?? 0)
                    if let label = table.labels[row] {
                        let logMaximum = rowLogits.max() ?? 0
                        let logSum = logMaximum + Foundation.log(rowLogits.reduce(0) { $0 + Foundation.exp($1 - logMaximum) })
                        lossSum += logSum - rowLogits[label]
                        labelledCount += 1
                    }
                }
                for (name, tensor) in output.intermediates where !dropped.contains(name) {
                    if tensor.rank >= 1 && tensor.shape[0] == batchRows.count {
                        if let first = pieces[name]?.first, Array(first.shape.dropFirst()) != Array(tensor.shape.dropFirst()) {
                            dropped.insert(name)
                            pieces[name] = nil
                        } else {
                            pieces[name, default: []].append(tensor.detached())
                        }
                    } else {
                        dropped.insert(name)
                        pieces[name] = nil
                    }
                }
            }
        }
        let intermediates = pieces.mapValues { Tensor.concat($0, axis: 0) }
        return Predictions(
            ids: rows.map { table.ids[$0] }, labels: rows.map { table.labels[$0] }, probabilities: probabilities,
            predicted: predicted, loss: labelledCount > 0 ? lossSum / Double(labelledCount) : nil,
            intermediates: intermediates, logits: allLogits)
    }
}

/// Changes to a feature table that test how much a model relies on each modality.
public enum ModalityPerturbation {
    /// Which modality `dropping` removes.
    public enum Modality: String, Sendable, CaseIterable {
        case text, image
    }

    /// The features of a modality: `text.*` for text; `image.*` for image. CLIP features
    /// follow their modality (`clip.text`, `clip.image`).
    static func belongs(_ name: String, to modality: Modality) -> Bool {
        switch modality {
        case .text: return name.hasPrefix("text.") || name == "clip.text"
        case .image: return name.hasPrefix("image.") || name == "clip.image"
        }
    }

    /// `table` with every feature of `modality` set to zero and its presence mask cleared.
    public static func dropping(_ modality: Modality, from table: FeatureTable) -> FeatureTable {
        var result = table
        for (name, tensor) in table.features where belongs(name, to: modality) {
            result.features[name] = Tensor.zeros(tensor.shape)
        }
        switch modality {
        case .text: result.textPresent = Array(repeating: false, count: table.count)
        case .image: result.imagePresent = Array(repeating: false, count: table.count)
        }
        return result
    }

    /// `table` with the image features (and image presence) of `rows` permuted among
    /// those rows by a generator seeded with `seed`, so each post is paired with another
    /// post's image. Text, labels and other rows are unchanged.
    public static func shufflingPairs(in table: FeatureTable, rows: [Int], seed: UInt64) -> FeatureTable {
        var generator = RandomGenerator(seed: seed)
        let permutation = generator.permutation(rows.count)
        var source = Array(0..<table.count)
        for (position, row) in rows.enumerated() { source[row] = rows[permutation[position]] }
        var result = table
        for (name, tensor) in table.features where belongs(name, to: .image) {
            result.features[name] = tensor.indexSelect(axis: 0, source)
        }
        result.imagePresent = source.map { table.imagePresent[$0] }
        return result
    }
}
