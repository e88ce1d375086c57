import Foundation
import NeuralNetwork

/// The arithmetic of BMLHF's Multi-modal Information Balancing (equations 2-4), apart from
/// the model so it can be checked on its own.
public enum MultimodalInformationBalancing {
    /// s^u summed over the batch (equation 2, then the sums of equation 3): for view
    /// logits [B, V, C] and labels, Σ_i softmax(logits_i,u)_{y_i} for each view u.
    public static func scores(viewLogits: Tensor, labels: [Int]) -> [Float] {
        let b = viewLogits.shape[0], v = viewLogits.shape[1], c = viewLogits.shape[2]
        let probabilities = withoutGradients { viewLogits.detached().softmax(axis: 2) }.scalars
        var sums = [Float](repeating: 0, count: v)
        for i in 0..<b {
            for u in 0..<v { sums[u] += probabilities[(i * v + u) * c + labels[i]] }
        }
        return sums
    }

    /// ρ^u = Σ_i s^u_i / Σ_i Σ_v s^v_i (equation 3).
    public static func ratios(scores: [Float]) -> [Float] {
        let total = scores.reduce(0, +)
        return scores.map { total > 0 ? $0 / total : 1 / Float(scores.count) }
    }

    /// k^u = 1 − tanh(α₁ ρ^u) when ρ^u > 1/V, else 1 (equation 4; the paper's threshold
    /// 1/4 is 1/V for its V = 4 views).
    public static func coefficients(ratios: [Float], alpha: Float) -> [Float] {
        let threshold = 1 / Float(ratios.count)
        return ratios.map { $0 > threshold ? 1 - Foundation.tanh(alpha * $0) : 1 }
    }
}

extension BMLHF {
    /// MIB (equation 5): scales the gradients of each view's MLP g^u and head W^u by k^u,
    /// computed from this batch's view logits. Does nothing under `no-mib`.
    /// - Throws: `FusionModelError.inconsistentBatch` when the output lacks `views.logits`
    ///   or the labels do not match it.
    public func beforeOptimizerStep(output: ModelOutput, labels: [Int]) throws {
        guard balancing else { return }
        guard let viewLogits = output.intermediates["views.logits"], viewLogits.rank == 3,
              viewLogits.shape[0] == labels.count, viewLogits.shape[1] == viewNames.count else {
            throw FusionModelError.inconsistentBatch(
                "BMLHF's balancing needs the output's views.logits [\(labels.count), \(viewNames.count), C] for \(labels.count) labels")
        }
        let classes = viewLogits.shape[2]
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
            throw FusionModelError.inconsistentBatch("label \(bad) outside 0..<\(classes)")
        }
        let ratios = MultimodalInformationBalancing.ratios(
            scores: MultimodalInformationBalancing.scores(viewLogits: viewLogits, labels: labels))
        let coefficients = MultimodalInformationBalancing.coefficients(ratios: ratios, alpha: configuration.balanceAlpha)
        for (index, k) in coefficients.enumerated() where k != 1 {
            for parameter in encoders[index].parameters + viewHeads[index].parameters {
                if let gradient = parameter.grad { parameter.grad = gradient * k }
            }
        }
        lastRatios = ratios
        lastCoefficients = coefficients
        balancedSteps += 1
    }

    /// Nothing happens after the step.
    public func afterOptimizerStep(output: ModelOutput, labels: [Int]) throws {}

    /// `mib.ratios`, `mib.coefficients` [V] of the last step and `mib.steps` [1].
    public func trainingState() -> [String: Tensor] {
        ["mib.ratios": Tensor(lastRatios), "mib.coefficients": Tensor(lastCoefficients),
         "mib.steps": Tensor([Float(balancedSteps)])]
    }

    /// Restores what `trainingState()` returned.
    /// - Throws: `FusionModelError.invalidConfiguration` when a tensor is missing or mis-shaped.
    public func loadTrainingState(_ state: [String: Tensor]) throws {
        let v = viewNames.count
        guard let ratios = state["mib.ratios"], ratios.shape == [v],
              let coefficients = state["mib.coefficients"], coefficients.shape == [v],
              let steps = state["mib.steps"], steps.shape == [1] else {
            throw FusionModelError.invalidConfiguration(
                model: "bmlhf", reason: "training state needs mib.ratios [\(v)], mib.coefficients [\(v)] and mib.steps [1]")
        }
        lastRatios = ratios.scalars
        lastCoefficients = coefficients.scalars
        balancedSteps = Int(steps.scalars[0])
    }
}
