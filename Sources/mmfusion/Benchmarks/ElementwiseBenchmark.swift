import Foundation
import Tensors

/// Memory throughput of the element-wise kernels on a BERT-sized activation
/// ([128·141, 768] Float32, batch 128 of 141 tokens), beside a plain copy of the same
/// bytes in the same process as the bandwidth reference.
extension Benchmark {
    static let elementwise = Benchmark(
        name: "elementwise",
        summary: "add (same shape, bias broadcast), gelu, softmax, layerNorm on [128*141, 768], GB/s beside memcpy",
        run: runElementwise)
}

private func runElementwise(options: BenchOptions) throws -> [BenchFigure] {
    let rows = 128 * 141, columns = 768
    let shape = [rows, columns]
    var generator = RandomGenerator(seed: 0)
    let x = Tensor.randn(shape, generator: &generator)
    let y = Tensor.randn(shape, generator: &generator)
    let bias = Tensor.randn([columns], generator: &generator)
    let weight = Tensor.randn([columns], generator: &generator)
    let tensorBytes = Double(rows * columns * MemoryLayout<Float>.size)
    let detail = "[\(rows), \(columns)] threads=\(options.threads)"

    func figure(_ name: String, bytes: Double, _ body: () -> Tensor) -> BenchFigure {
        let seconds = medianSeconds(repetitions: options.repetitions) { _ = withoutGradients(body) }
        return BenchFigure(name: name, value: bytes / seconds / 1e9, unit: "GB/s", detail: detail)
    }

    // Reference: read and write the same bytes with memcpy (one output allocation, like the ops).
    let copy = figure("memcpy (reference)", bytes: 2 * tensorBytes) {
        Tensor(shape: shape) { out in
            out.baseAddress!.update(from: x.storage.pointer, count: rows * columns)
        }
    }
    var figures = [copy]
    figures.append(figure("add [N,768] + [N,768]", bytes: 3 * tensorBytes) { x + y })
    figures.append(figure("add [N,768] + [768]", bytes: 2 * tensorBytes) { x + bias })
    figures.append(figure("multiply [N,768] * [N,1]", bytes: 2 * tensorBytes) { x * x.slice(axis: 1, 0..<1) })
    figures.append(figure("exp", bytes: 2 * tensorBytes) { x.exp() })
    figures.append(figure("gelu (erf)", bytes: 2 * tensorBytes) { x.gelu() })
    figures.append(figure("geluTanh", bytes: 2 * tensorBytes) { x.geluTanh() })
    figures.append(figure("softmax(axis: -1)", bytes: 2 * tensorBytes) { x.softmax(axis: -1) })
    figures.append(figure("layerNorm(weight, bias)", bytes: 2 * tensorBytes) {
        x.layerNorm(weight: weight, bias: bias)
    })
    let reference = copy.value
    return figures.enumerated().map { index, figure in
        var figure = figure
        if index > 0 { figure.detail += String(format: ", %.0f%% of memcpy", 100 * figure.value / reference) }
        return figure
    }
}
