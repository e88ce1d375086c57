import Foundation
import Tensors

/// ResNet-50's convolutions at batch 8 (torchvision v1.5 layout: stride on the 3x3), run
/// through `conv2dNHWC` without gradients; bench/conv_pytorch.py prints the same shapes
/// for PyTorch (channels-last, 2 threads) so the two can be compared side by side.
extension Benchmark {
    static let conv = Benchmark(
        name: "conv", summary: "ResNet-50 convolution shapes at batch 8, ms and GFLOP/s", run: runConv)
}

/// One distinct convolution of ResNet-50 and how often the network runs it.
private struct ConvShape {
    let name: String
    let inputChannels: Int, outputChannels: Int, kernel: Int, stride: Int, padding: Int, inputSize: Int
    let occurrences: Int
}

private let resNet50Convolutions: [ConvShape] = [
    ConvShape(name: "stem 7x7/2 3->64", inputChannels: 3, outputChannels: 64, kernel: 7, stride: 2, padding: 3, inputSize: 224, occurrences: 1),
    ConvShape(name: "layer1 1x1 64->64", inputChannels: 64, outputChannels: 64, kernel: 1, stride: 1, padding: 0, inputSize: 56, occurrences: 1),
    ConvShape(name: "layer1 reduce 1x1 256->64", inputChannels: 256, outputChannels: 64, kernel: 1, stride: 1, padding: 0, inputSize: 56, occurrences: 2),
    ConvShape(name: "layer1 3x3 64", inputChannels: 64, outputChannels: 64, kernel: 3, stride: 1, padding: 1, inputSize: 56, occurrences: 3),
    ConvShape(name: "layer1 expand/down 1x1 64->256", inputChannels: 64, outputChannels: 256, kernel: 1, stride: 1, padding: 0, inputSize: 56, occurrences: 4),
    ConvShape(name: "layer2 1x1 256->128", inputChannels: 256, outputChannels: 128, kernel: 1, stride: 1, padding: 0, inputSize: 56, occurrences: 1),
    ConvShape(name: "layer2 3x3/2 128", inputChannels: 128, outputChannels: 128, kernel: 3, stride: 2, padding: 1, inputSize: 56, occurrences: 1),
    ConvShape(name: "layer2 expand 1x1 128->512", inputChannels: 128, outputChannels: 512, kernel: 1, stride: 1, padding: 0, inputSize: 28, occurrences: 4),
    ConvShape(name: "layer2 downsample 1x1/2 256->512", inputChannels: 256, outputChannels: 512, kernel: 1, stride: 2, padding: 0, inputSize: 56, occurrences: 1),
    ConvShape(name: "layer2 reduce 1x1 512->128", inputChannels: 512, outputChannels: 128, kernel: 1, stride: 1, padding: 0, inputSize: 28, occurrences: 3),
    ConvShape(name: "layer2 3x3 128", inputChannels: 128, outputChannels: 128, kernel: 3, stride: 1, padding: 1, inputSize: 28, occurrences: 3),
    ConvShape(name: "layer3 1x1 512->256", inputChannels: 512, outputChannels: 256, kernel: 1, stride: 1, padding: 0, inputSize: 28, occurrences: 1),
    ConvShape(name: "layer3 3x3/2 256", inputChannels: 256, outputChannels: 256, kernel: 3, stride: 2, padding: 1, inputSize: 28, occurrences: 1),
    ConvShape(name: "layer3 expand 1x1 256->1024", inputChannels: 256, outputChannels: 1024, kernel: 1, stride: 1, padding: 0, inputSize: 14, occurrences: 6),
    ConvShape(name: "layer3 downsample 1x1/2 512->1024", inputChannels: 512, outputChannels: 1024, kernel: 1, stride: 2, padding: 0, inputSize: 28, occurrences: 1),
    ConvShape(name: "layer3 reduce 1x1 1024->256", inputChannels: 1024, outputChannels: 256, kernel: 1, stride: 1, padding: 0, inputSize: 14, occurrences: 5),
    ConvShape(name: "layer3 3x3 256", inputChannels: 256, outputChannels: 256, kernel: 3, stride: 1, padding: 1, inputSize: 14, occurrences: 5),
    ConvShape(name: "layer4 1x1 1024->512", inputChannels: 1024, outputChannels: 512, kernel: 1, stride: 1, padding: 0, inputSize: 14, occurrences: 1),
    ConvShape(name: "layer4 3x3/2 512", inputChannels: 512, outputChannels: 512, kernel: 3, stride: 2, padding: 1, inputSize: 14, occurrences: 1),
    ConvShape(name: "layer4 expand 1x1 512->2048", inputChannels: 512, outputChannels: 2048, kernel: 1, stride: 1, padding: 0, inputSize: 7, occurrences: 3),
    ConvShape(name: "layer4 downsample 1x1/2 1024->2048", inputChannels: 1024, outputChannels: 2048, kernel: 1, stride: 2, padding: 0, inputSize: 14, occurrences: 1),
    ConvShape(name: "layer4 reduce 1x1 2048->512", inputChannels: 2048, outputChannels: 512, kernel: 1, stride: 1, padding: 0, inputSize: 7, occurrences: 2),
    ConvShape(name: "layer4 3x3 512", inputChannels: 512, outputChannels: 512, kernel: 3, stride: 1, padding: 1, inputSize: 7, occurrences: 2),
]

private func runConv(options: BenchOptions) throws -> [BenchFigure] {
    let batch = 8
    var figures: [BenchFigure] = []
    var rng = RandomGenerator(seed: 0)
    var totalSeconds = 0.0, totalNCHWSeconds = 0.0, totalCPUSeconds = 0.0
    var totalFlops = 0.0
    withoutGradients {
        for shape in resNet50Convolutions {
            let size = shape.inputSize
            let input = Tensor.randn([batch, size, size, shape.inputChannels], generator: &rng)
            let weight = Tensor.randn([shape.outputChannels, shape.inputChannels, shape.kernel, shape.kernel],
                                      std: 0.05, generator: &rng)
            let stride = (shape.stride, shape.stride), padding = (shape.padding, shape.padding)
            let (seconds, cpuSeconds) = medianWallAndProcessSeconds(repetitions: options.repetitions) {
                _ = input.conv2dNHWC(weight: weight, bias: nil, stride: stride, padding: padding)
            }
            let inputNCHW = input.toChannelsFirst()
            let nchwSeconds = medianSeconds(repetitions: max(2, options.repetitions / 3)) {
                _ = inputNCHW.conv2d(weight: weight, bias: nil, stride: stride, padding: padding)
            }
            let outputSize = (size + 2 * shape.padding - shape.kernel) / shape.stride + 1
            let flops = 2.0 * Double(batch * outputSize * outputSize * shape.outputChannels
                                     * shape.inputChannels * shape.kernel * shape.kernel)
            totalSeconds += seconds * Double(shape.occurrences)
            totalCPUSeconds += cpuSeconds * Double(shape.occurrences)
            totalNCHWSeconds += nchwSeconds * Double(shape.occurrences)
            totalFlops += flops * Double(shape.occurrences)
            figures.append(BenchFigure(
                name: shape.name, value: seconds * 1e3, unit: "ms",
                detail: String(format: "%7.1f GFLOP/s  x%d  cpu %.2f ms  (NCHW entry %.2f ms)", flops / seconds / 1e9,
                               shape.occurrences, cpuSeconds * 1e3, nchwSeconds * 1e3)))
        }
    }
    figures.append(BenchFigure(name: "ResNet-50 conv total (53 convs, NHWC)", value: totalSeconds * 1e3, unit: "ms",
                               detail: String(format: "%.1f GFLOP/s, threads=%d, batch %d", totalFlops / totalSeconds / 1e9,
                                              options.threads, batch)))
    figures.append(BenchFigure(name: "ResNet-50 conv total CPU time (all threads)", value: totalCPUSeconds * 1e3, unit: "ms",
                               detail: String(format: "%.1f GFLOP per CPU-second", totalFlops / totalCPUSeconds / 1e9)))
    figures.append(BenchFigure(name: "ResNet-50 conv total (NCHW conv2d)", value: totalNCHWSeconds * 1e3, unit: "ms",
                               detail: "includes the NCHW<->NHWC transposes around each convolution"))
    return figures
}

/// Median wall-clock and process CPU seconds (all threads) of `body` after one warm-up run.
/// CPU time is what the work costs when other processes share the cores.
private func medianWallAndProcessSeconds(repetitions: Int, _ body: () -> Void) -> (wall: Double, cpu: Double) {
    func processSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
    body()
    var walls: [Double] = [], cpus: [Double] = []
    for _ in 0..<max(repetitions, 1) {
        let start = DispatchTime.now().uptimeNanoseconds, cpuStart = processSeconds()
        body()
        cpus.append(processSeconds() - cpuStart)
        walls.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    walls.sort()
    cpus.sort()
    return (walls[walls.count / 2], cpus[cpus.count / 2])
}
