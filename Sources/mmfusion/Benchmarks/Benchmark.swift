import Foundation

/// One figure printed by `mmfusion bench`.
struct BenchFigure: Codable {
    /// What was measured, e.g. "Tensor.matmul 1024x1024x1024".
    let name: String
    /// The figure.
    let value: Double
    /// Its unit, e.g. "GFLOP/s", "steps/s".
    let unit: String
    /// Free-form detail: shapes, thread count, repetitions.
    var detail: String = ""
}

/// Options shared by every benchmark.
struct BenchOptions {
    /// Threads for BLAS and the element-wise kernels.
    var threads: Int
    /// Timed repetitions (after warm-up).
    var repetitions: Int
    /// The registry model a model benchmark measures (nil: every model).
    var model: String? = nil
}

/// A throughput measurement selectable as `mmfusion bench <name>`.
struct Benchmark {
    /// The name on the command line.
    let name: String
    /// One line saying what it measures.
    let summary: String
    /// Runs the measurement and returns its figures.
    let run: (BenchOptions) throws -> [BenchFigure]
}

/// Every benchmark, by command-line name. Each lives in its own file as
/// `extension Benchmark { static let <name> = Benchmark(...) }`.
let allBenchmarks: [Benchmark] = [
    .gemm,
    .attention,
    .conv,
    .trainStep,
    .train,
    .images,
    .elementwise,
    .bert,
    .resnet50,
    .fusionModels,
    .allReduce,
    .clipViT,
    .extract,
    .swinTiny,
    .deberta,
]

/// Median wall-clock seconds of `body` over `repetitions` runs after one warm-up run.
func medianSeconds(repetitions: Int, _ body: () -> Void) -> Double {
    body()
    var times: [Double] = []
    for _ in 0..<max(repetitions, 1) {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    times.sort()
    return times[times.count / 2]
}
