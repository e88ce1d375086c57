import Foundation

/// A one-line progress bar on stderr with rate and ETA, shown only for inputs large
/// enough to take a while (more than `threshold` items).
struct ProgressBar {
    let label: String
    let total: Int
    let isShown: Bool
    private let start = Date()

    init(label: String, total: Int, threshold: Int = 300) {
        self.label = label
        self.total = total
        isShown = total > threshold
    }

    /// Redraws the bar for `done` finished items; ends the line when all are done.
    func update(_ done: Int) {
        guard isShown else { return }
        let width = 30, filled = width * min(done, total) / max(total, 1)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = String(format: "\r%@ [%@] %d/%d  %.1f/s  ETA %.0fs", label, bar, done, total, rate, eta)
        FileHandle.standardError.write(Data(line.utf8))
        if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
