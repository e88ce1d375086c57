import Foundation

/// Colours of the report's figures: a categorical palette for labels and series
/// (Tableau 10) and a sequential map for heat maps (viridis, interpolated between nine stops).
enum ChartPalette {
    static let categorical = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                              "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    /// The colour of series or label `index` (repeats after ten, shifted in lightness).
    static func color(_ index: Int) -> String {
        categorical[index % categorical.count]
    }

    static let viridisStops: [(Double, Double, Double)] = [
        (68, 1, 84), (72, 40, 120), (62, 74, 137), (49, 104, 142), (38, 130, 142),
        (31, 158, 137), (53, 183, 121), (109, 205, 89), (180, 222, 44), (253, 231, 37),
    ]

    /// Viridis at t ∈ [0, 1] as `#rrggbb`.
    static func sequential(_ value: Double) -> String {
        let t = min(max(value.isFinite ? value : 0, 0), 1) * Double(viridisStops.count - 1)
        let lower = min(Int(t), viridisStops.count - 2)
        let fraction = t - Double(lower)
        let (a, b) = (viridisStops[lower], viridisStops[lower + 1])
        func channel(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * fraction).rounded()) }
        return String(format: "#%02x%02x%02x", channel(a.0, b.0), channel(a.1, b.1), channel(a.2, b.2))
    }

    /// White or near-black text, whichever reads better on viridis at t.
    static func textOnSequential(_ value: Double) -> String {
        value > 0.55 ? "#111111" : "#ffffff"
    }
}
