/// Pillow's convolution resize for 8-bit images (`libImaging/Resample.c`), the one
/// torchvision and Hugging Face image processors run on PIL images.
///
/// Per output pixel `i` of an axis scaled by `s = inputSize / outputSize`, the kernel
/// is centred at `(i + 0.5) * s` and stretched by `max(s, 1)` (antialiasing when
/// shrinking); its weights are normalised to sum 1 and stored as fixed-point integers
/// with 22 fractional bits. The horizontal pass runs first and rounds to 8 bits, then
/// the vertical pass, exactly as Pillow does, so results match Pillow's bytes.
///
/// Only the pixels inside a crop window are computed: the crop that follows a resize
/// in every preprocessing pipeline costs nothing extra.
struct ImageResampler {
    static let precisionBits = 22

    /// Fixed-point weights for one axis: output `i` reads inputs
    /// `starts[i] ..< starts[i] + counts[i]` with `weights[i * kernelSize ..< ...]`.
    struct AxisCoefficients {
        var starts: [Int]
        var counts: [Int]
        var weights: [Int32]
        var kernelSize: Int

        init(inputSize: Int, outputSize: Int, filter: ResamplingFilter) {
            let scale = Double(Float(inputSize)) / Double(outputSize)
            let filterScale = max(scale, 1)
            let support = filter.support * filterScale
            kernelSize = Int(support.rounded(.up)) * 2 + 1
            starts = [Int](repeating: 0, count: outputSize)
            counts = [Int](repeating: 0, count: outputSize)
            weights = [Int32](repeating: 0, count: outputSize * kernelSize)
            let inverseFilterScale = 1 / filterScale
            var kernel = [Double](repeating: 0, count: kernelSize)
            let one = Double(1 << ImageResampler.precisionBits)
            for output in 0..<outputSize {
                let center = (Double(output) + 0.5) * scale
                let first = max(Int(center - support + 0.5), 0)
                let count = min(Int(center + support + 0.5), inputSize) - first
                var total = 0.0
                for tap in 0..<max(count, 0) {
                    let weight = filter.weight((Double(tap + first) - center + 0.5) * inverseFilterScale)
                    kernel[tap] = weight
                    total += weight
                }
                for tap in 0..<max(count, 0) {
                    let normalized = total != 0 ? kernel[tap] / total : kernel[tap]
                    weights[output * kernelSize + tap] = normalized < 0
                        ? Int32(-0.5 + normalized * one) : Int32(0.5 + normalized * one)
                }
                starts[output] = first
                counts[output] = max(count, 0)
            }
        }
    }

    /// Resizes `image` to `outputWidth` x `outputHeight` with `filter` and returns the
    /// window of that result with top-left corner (`left`, `top`) and the given extent,
    /// as RGB bytes (HWC). Window pixels outside the resized image are 0.
    static func resizedWindow(
        of image: RGBImage, outputWidth: Int, outputHeight: Int, filter: ResamplingFilter,
        left: Int, top: Int, windowWidth: Int, windowHeight: Int
    ) -> [UInt8] {
        var window = [UInt8](repeating: 0, count: windowWidth * windowHeight * 3)
        let columnStart = max(left, 0), columnEnd = min(left + windowWidth, outputWidth)
        let rowStart = max(top, 0), rowEnd = min(top + windowHeight, outputHeight)
        guard columnStart < columnEnd, rowStart < rowEnd, image.width > 0, image.height > 0 else { return window }
        let columns = columnEnd - columnStart

        if filter == .nearest {
            image.pixels.withUnsafeBufferPointer { input in
                window.withUnsafeMutableBufferPointer { output in
                    for y in rowStart..<rowEnd {
                        let sourceY = nearestSource(y, inputSize: image.height, outputSize: outputHeight)
                        for x in columnStart..<columnEnd {
                            let sourceX = nearestSource(x, inputSize: image.width, outputSize: outputWidth)
                            let source = (sourceY * image.width + sourceX) * 3
                            let destination = ((y - top) * windowWidth + (x - left)) * 3
                            output[destination] = input[source]
                            output[destination + 1] = input[source + 1]
                            output[destination + 2] = input[source + 2]
                        }
                    }
                }
            }
            return window
        }

        let resizesHorizontally = outputWidth != image.width
        let resizesVertically = outputHeight != image.height
        let vertical = resizesVertically
            ? AxisCoefficients(inputSize: image.height, outputSize: outputHeight, filter: filter) : nil
        // Input rows that the needed output rows read.
        var inputRowStart = rowStart, inputRowEnd = rowEnd
        if let vertical {
            inputRowStart = (rowStart..<rowEnd).map { vertical.starts[$0] }.min() ?? 0
            inputRowEnd = (rowStart..<rowEnd).map { vertical.starts[$0] + vertical.counts[$0] }.max() ?? 0
        }
        let inputRows = inputRowEnd - inputRowStart

        // Horizontal pass: the needed input rows, the needed output columns, rounded to 8 bits.
        var intermediate = [UInt8](repeating: 0, count: inputRows * columns * 3)
        image.pixels.withUnsafeBufferPointer { input in
            intermediate.withUnsafeMutableBufferPointer { middle in
                if resizesHorizontally {
                    let horizontal = AxisCoefficients(inputSize: image.width, outputSize: outputWidth, filter: filter)
                    horizontal.weights.withUnsafeBufferPointer { weights in
                        for row in 0..<inputRows {
                            let inputRow = (inputRowStart + row) * image.width * 3
                            for column in 0..<columns {
                                let x = columnStart + column
                                let first = horizontal.starts[x], count = horizontal.counts[x]
                                let kernel = x * horizontal.kernelSize
                                var red: Int32 = 1 << (precisionBits - 1), green = red, blue = red
                                for tap in 0..<count {
                                    let weight = weights[kernel + tap]
                                    let source = inputRow + (first + tap) * 3
                                    red = red &+ Int32(input[source]) &* weight
                                    green = green &+ Int32(input[source + 1]) &* weight
                                    blue = blue &+ Int32(input[source + 2]) &* weight
                                }
                                let destination = (row * columns + column) * 3
                                middle[destination] = clip8(red)
                                middle[destination + 1] = clip8(green)
                                middle[destination + 2] = clip8(blue)
                            }
                        }
                    }
                } else {
                    for row in 0..<inputRows {
                        let source = ((inputRowStart + row) * image.width + columnStart) * 3
                        let destination = row * columns * 3
                        for index in 0..<(columns * 3) { middle[destination + index] = input[source + index] }
                    }
                }
            }
        }

        // Vertical pass into the window.
        intermediate.withUnsafeBufferPointer { middle in
            window.withUnsafeMutableBufferPointer { output in
                for y in rowStart..<rowEnd {
                    let destinationRow = ((y - top) * windowWidth + (columnStart - left)) * 3
                    guard let vertical else {
                        let sourceRow = (y - inputRowStart) * columns * 3
                        for index in 0..<(columns * 3) { output[destinationRow + index] = middle[sourceRow + index] }
                        continue
                    }
                    let first = vertical.starts[y] - inputRowStart, count = vertical.counts[y]
                    let kernel = y * vertical.kernelSize
                    for index in 0..<(columns * 3) {
                        var sum: Int32 = 1 << (precisionBits - 1)
                        for tap in 0..<count {
                            sum = sum &+ Int32(middle[(first + tap) * columns * 3 + index]) &* vertical.weights[kernel + tap]
                        }
                        output[destinationRow + index] = clip8(sum)
                    }
                }
            }
        }
        return window
    }

    /// Pillow's `clip8`: the fixed-point sum shifted down and clamped to 0...255.
    @inline(__always)
    static func clip8(_ value: Int32) -> UInt8 {
        let shifted = value >> Int32(precisionBits)
        return UInt8(clamping: shifted)
    }

    /// The input index a nearest-neighbour resize reads for output `index`: the pixel
    /// under the output pixel's centre, `floor((index + 0.5) * inputSize / outputSize)`.
    static func nearestSource(_ index: Int, inputSize: Int, outputSize: Int) -> Int {
        let scale = Double(inputSize) / Double(outputSize)
        return min(Int((Double(index) + 0.5) * scale), inputSize - 1)
    }
}
