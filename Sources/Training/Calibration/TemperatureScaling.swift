import Foundation
import Tensors

/// Temperature scaling (Guo et al. 2017, section 4.2): one scalar T > 0 divides every
/// logit, p = softmax(z / T). T is fitted on the validation split by minimising the mean
/// negative log-likelihood
///
///     NLL(T) = 1/n Σ [ logΣⱼ exp(zⱼ / T) − z_y / T ]
///
/// and then applied to every prediction; it changes confidences, never the argmax.
///
/// The fit works in β = 1/T, where the NLL is convex (a log-sum-exp of linear functions
/// of β minus a linear term), with Newton's method safeguarded by bisection on a bracket:
/// NLL′(β) = mean(E_p[z] − z_y) and NLL″(β) = mean(Var_p[z]) ≥ 0, in Float64. It stops
/// when the bracket or step is below 1e-12 relative; T is clamped to [0.01, 100].
/// PyTorch users fit the same minimiser with LBFGS on T (the reference test agrees
/// within 1e-3).
public enum TemperatureScaling {
    /// The smallest temperature the fit returns.
    public static let minimumTemperature = 0.01
    /// The largest temperature the fit returns.
    public static let maximumTemperature = 100.0

    /// Fits T on `logits` (one row per post, all rows of the same length) and `labels`.
    /// Returns 1 for an empty input.
    public static func fit(logits: [[Double]], labels: [Int]) -> Double {
        precondition(logits.count == labels.count, "TemperatureScaling.fit: one logit row per label")
        if logits.isEmpty { return 1 }
        var low = 1 / maximumTemperature
        var high = 1 / minimumTemperature
        var beta = 1.0
        if derivatives(logits: logits, labels: labels, beta: low).first >= 0 { return maximumTemperature }
        if derivatives(logits: logits, labels: labels, beta: high).first <= 0 { return minimumTemperature }
        for _ in 0..<200 {
            let (first, second) = derivatives(logits: logits, labels: labels, beta: beta)
            if first > 0 { high = beta } else { low = beta }
            var next = second > 0 ? beta - first / second : (low + high) / 2
            if !(next > low && next < high) { next = (low + high) / 2 }
            let step = abs(next - beta)
            beta = next
            if step <= 1e-12 * beta || high - low <= 1e-12 * beta { break }
        }
        return 1 / beta
    }

    /// Fits T on a logits tensor [N, C] (the model's validation outputs) and `labels`.
    public static func fit(logits: Tensor, labels: [Int]) -> Double {
        fit(logits: rows(of: logits), labels: labels)
    }

    /// softmax(logits / temperature) row by row, for a logits tensor [N, C]; returns [N, C].
    public static func probabilities(logits: Tensor, temperature: Double) -> Tensor {
        let rows = rows(of: logits).map { probabilities(logits: $0, temperature: temperature) }
        return Tensor(shape: logits.shape, scalars: rows.flatMap { $0.map(Float.init) })
    }

    static func rows(of tensor: Tensor) -> [[Double]] {
        precondition(tensor.rank == 2, "TemperatureScaling: expected logits [N, C], got \(tensor.shape)")
        let width = tensor.shape[1]
        let scalars = tensor.scalars
        return (0..<tensor.shape[0]).map { row in (0..<width).map { Double(scalars[row * width + $0]) } }
    }

    /// The mean negative log-likelihood of `labels` under softmax(logits / temperature).
    public static func negativeLogLikelihood(logits: [[Double]], labels: [Int], temperature: Double) -> Double {
        var total = 0.0
        for (row, label) in zip(logits, labels) {
            let scaled = row.map { $0 / temperature }
            total += logSumExp(scaled) - scaled[label]
        }
        return total / Double(max(logits.count, 1))
    }

    /// softmax(logits / temperature) of one row.
    public static func probabilities(logits: [Double], temperature: Double) -> [Double] {
        let scaled = logits.map { $0 / temperature }
        let maximum = scaled.max() ?? 0
        let exponentials = scaled.map { exp($0 - maximum) }
        let sum = exponentials.reduce(0, +)
        return exponentials.map { $0 / sum }
    }

    /// NLL′(β) and NLL″(β).
    static func derivatives(logits: [[Double]], labels: [Int], beta: Double) -> (first: Double, second: Double) {
        var first = 0.0
        var second = 0.0
        for (row, label) in zip(logits, labels) {
            let probabilities = probabilities(logits: row, temperature: 1 / beta)
            var mean = 0.0
            var meanSquare = 0.0
            for (probability, logit) in zip(probabilities, row) {
                mean += probability * logit
                meanSquare += probability * logit * logit
            }
            first += mean - row[label]
            second += max(meanSquare - mean * mean, 0)
        }
        let count = Double(logits.count)
        return (first / count, second / count)
    }

    static func logSumExp(_ values: [Double]) -> Double {
        let maximum = values.max() ?? 0
        return maximum + log(values.reduce(0) { $0 + exp($1 - maximum) })
    }
}
