import ArgumentParser
import Tensors

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Print throughput figures.")
    @Argument(help: "What to measure: gemm") var what: String
    func run() throws {
        print("bench \(what): not yet available")
    }
}
