import Foundation
import Training

/// Serves a trained run: `RunPredictor` (the run's best checkpoint and the encoders of its
/// feature store, hash-checked) behind the server's `PostClassifier`, so `/v1/predict`
/// answers what `mmfusion predict` and `evaluate` compute for the same post.
public final class RunPostClassifier: PostClassifier, @unchecked Sendable {
    public let modelCard: ModelCard
    let predictor: RunPredictor
    /// Signals longer than this are left out of answers (attention maps, sequences).
    static let largestSignal = 64

    /// Loads the run at `run`.
    /// - Throws: the run's and the feature store's loading errors, naming the file.
    public init(run: URL) throws {
        predictor = try RunPredictor(run: run)
        let sidecar = predictor.sidecar
        var encoders: [String: String] = [:]
        var hashes: [String: [String: String]] = [:]
        for record in predictor.extractor.encoderRecords {
            encoders[record.role] = "\(record.kind) \(record.path)"
            hashes[record.role] = record.fileHashes
        }
        var metrics: [String: Double] = [:]
        if let test = sidecar.metrics {
            metrics = ["accuracy": test.accuracy, "macro_f1": test.macroF1, "weighted_f1": test.weightedF1]
            metrics["auc"] = test.auc
        }
        modelCard = ModelCard(model: sidecar.model, labels: sidecar.labelNames, features: sidecar.features,
                              encoders: encoders, temperature: Float(sidecar.temperature > 0 ? sidecar.temperature : 1),
                              source: run.path, metrics: metrics, weightHashes: hashes)
    }

    public func classify(_ posts: [RawPost]) throws -> [Prediction] {
        let labels = modelCard.labels
        let predictions = try predictor.predict(texts: posts.map { $0.text ?? "" }, images: posts.map { $0.image?.decoded })
        return predictions.map { prediction in
            let probabilities = labels.map { Float(prediction.probabilities[$0] ?? 0) }
            let best = labels.firstIndex(of: prediction.label) ?? 0
            let signals = prediction.intermediates.filter { $0.value.count <= Self.largestSignal }
                .mapValues { $0.map(Float.init) }
            return Prediction(labelIndex: best, label: prediction.label, probabilities: probabilities, signals: signals)
        }
    }
}
