import Foundation

/// Where a training run stands, reported after every optimizer step and every epoch.
public struct TrainingProgress: Sendable {
    /// 1-based epoch in progress.
    public var epoch: Int
    /// Planned epochs.
    public var epochs: Int
    /// 1-based batch within the epoch.
    public var batch: Int
    /// Batches per epoch.
    public var batchesPerEpoch: Int
    /// Optimizer steps so far.
    public var step: Int
    /// Mean training loss of the epoch so far.
    public var loss: Double
    /// The selection metric's name and its last validation value.
    public var validation: (name: String, value: Double)?
    /// Training samples per second in this session.
    public var samplesPerSecond: Double
    /// Estimated seconds until the planned epochs are done.
    public var remainingSeconds: Double

    /// `epoch 3/30  step 120  batch 4/10  loss 0.4123  val_macro_f1 0.8123  1234 samples/s  ETA 0:42`
    public var line: String {
        var parts = ["epoch \(epoch)/\(epochs)", "step \(step)", "batch \(batch)/\(batchesPerEpoch)",
                     String(format: "loss %.4f", loss)]
        if let validation { parts.append(validation.name + " " + String(format: "%.4f", validation.value)) }
        parts.append(String(format: "%.0f samples/s", samplesPerSecond))
        parts.append("ETA " + Self.clock(remainingSeconds))
        return parts.joined(separator: "  ")
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let total = Int(seconds.rounded())
        let hours = total / 3600, minutes = (total % 3600) / 60, rest = total % 60
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }
}
