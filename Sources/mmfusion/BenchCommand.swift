import ArgumentParser
import Foundation
import Tensors

/// `mmfusion bench <what>`: prints throughput figures (never a pass/fail test).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Print throughput figures.",
        discussion: "Available: " + allBenchmarks.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")
    )

    @Argument(help: "What to measure.") var what: String
    @Option(help: "Threads for BLAS and the element-wise kernels (default: all cores).") var threads: Int?
    @Option(help: "Timed repetitions after warm-up.") var repetitions = 10
    @Flag(help: "Print the figures as JSON.") var json = false
    @Option(help: "The registry model of `bench train` (default: every model).") var model: String?

    func run() throws {
        guard let benchmark = allBenchmarks.first(where: { $0.name == what }) else {
            throw ValidationError("unknown benchmark '\(what)'; available: \(allBenchmarks.map(\.name).joined(separator: ", "))")
        }
        let threadCount = threads ?? ProcessInfoCores.active
        Parallel.setThreadCount(threadCount)
        let figures = try benchmark.run(BenchOptions(threads: threadCount, repetitions: repetitions, model: model))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(figures), as: UTF8.self))
        } else {
            for f in figures {
                let name = f.name.padding(toLength: max(48, f.name.count), withPad: " ", startingAt: 0)
                let unit = f.unit.padding(toLength: 10, withPad: " ", startingAt: 0)
                print("\(name) \(String(format: "%10.2f", f.value)) \(unit) \(f.detail)")
            }
        }
    }
}
