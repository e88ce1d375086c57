import CBLAS
import Tensors

/// `Tensor.matmul` against a raw `cblas_sgemm` call on the same buffers, in one process.
extension Benchmark {
    static let gemm = Benchmark(
        name: "gemm", summary: "Tensor.matmul vs raw cblas_sgemm, GFLOP/s", run: runGemm)
}

private func runGemm(options: BenchOptions) throws -> [BenchFigure] {
    var figures: [BenchFigure] = []
    var rng = RandomGenerator(seed: 0)
    for size in [256, 512, 1024, 2048] {
        let a = Tensor.randn([size, size], generator: &rng)
        let b = Tensor.randn([size, size], generator: &rng)
        let flops = 2.0 * Double(size * size * size)
        let reps = size >= 2048 ? max(2, options.repetitions / 4) : options.repetitions
        let raw = TensorStorage(uninitializedCount: size * size)
        let rawSeconds = medianSeconds(repetitions: reps) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(size), Int32(size), Int32(size),
                        1, a.storage.pointer, Int32(size), b.storage.pointer, Int32(size), 0, raw.pointer, Int32(size))
        }
        let tensorSeconds = medianSeconds(repetitions: reps) { _ = a.matmul(b) }
        let shape = "\(size)x\(size)x\(size)"
        let rawFigure = flops / rawSeconds / 1e9, tensorFigure = flops / tensorSeconds / 1e9
        figures.append(BenchFigure(name: "cblas_sgemm \(shape)", value: rawFigure, unit: "GFLOP/s",
                                   detail: "threads=\(options.threads)"))
        figures.append(BenchFigure(name: "Tensor.matmul \(shape)", value: tensorFigure, unit: "GFLOP/s",
                                   detail: String(format: "%.1f%% of cblas_sgemm", 100 * tensorFigure / rawFigure)))
    }
    return figures
}
