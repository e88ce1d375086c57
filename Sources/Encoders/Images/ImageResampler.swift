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

        /// The input indices that outputs `outputs` read.
        func inputRange(of outputs: Range<Int>) -> Range<Int> {
            var lower = Int.max, upper = 0
            for output in outputs {
                lower = min(lower, starts[output])
                upper = max(upper, starts[output] + counts[output])
            }
            return lower < upper ? lower..<upper : 0..<0
        }
    }

    /// Resizes `image` to `outputWidth` x `outputHeight` with `filter` and returns the
    /// window of that result with top-left corner (`left`, `top`) and the given extent,
    /// as RGB bytes (HWC). Window pixels outside the resized image are 0.
    ///
    /// Pass order follows Pillow 10 and later: horizontal first, unless the height
    /// shrinks by more than twice as many pixels as the width does.
    static func resizedWindow(
        of image: RGBImage, outputWidth: Int, outputHeight: Int, filter: ResamplingFilter,
        left: Int, top: Int, windowWidth: Int, windowHeight: Int
    ) -> [UInt8] {
        var window = [UInt8](repeating: 0, count: windowWidth * windowHeight * 3)
        let columns = max(left, 0)..<max(min(left + windowWidth, outputWidth), max(left, 0))
        let rows = max(top, 0)..<max(min(top + windowHeight, outputHeight), max(top, 0))
        guard !columns.isEmpty, !rows.isEmpty, image.width > 0, image.height > 0 else { return window }

        let region: [UInt8]
        if filter == .nearest {
            region = nearestRegion(of: image, outputWidth: outputWidth, outputHeight: outputHeight, columns: columns, rows: rows)
        } else {
            region = convolvedRegion(of: image, outputWidth: outputWidth, outputHeight: outputHeight, filter: filter,
                                     columns: columns, rows: rows)
        }
        // Place the computed region inside the (possibly larger, zero-padded) window.
        let rowBytes = columns.count * 3
        region.withUnsafeBufferPointer { source in
            window.withUnsafeMutableBufferPointer { destination in
                for row in 0..<rows.count {
                    let target = ((rows.lowerBound + row - top) * windowWidth + (columns.lowerBound - left)) * 3
                    for index in 0..<rowBytes { destination[target + index] = source[row * rowBytes + index] }
                }
            }
        }
        return window
    }

    /// Output pixels `rows` x `columns` of the convolution resize, row-major RGB.
    static func convolvedRegion(
        of image: RGBImage, outputWidth: Int, outputHeight: Int, filter: ResamplingFilter,
        columns: Range<Int>, rows: Range<Int>
    ) -> [UInt8] {
        let horizontal = outputWidth != image.width
            ? AxisCoefficients(inputSize: image.width, outputSize: outputWidth, filter: filter) : nil
        let vertical = outputHeight != image.height
            ? AxisCoefficients(inputSize: image.height, outputSize: outputHeight, filter: filter) : nil
        let inputColumns = horizontal?.inputRange(of: columns) ?? columns
        let inputRows = vertical?.inputRange(of: rows) ?? rows
        let widthShrink = image.width - outputWidth, heightShrink = image.height - outputHeight
        let horizontalFirst = !(heightShrink > 0 && heightShrink > widthShrink * 2)
        let stride = image.width * 3
        let emptyRegion = [UInt8](repeating: 0, count: rows.count * columns.count * 3)

        return image.pixels.withUnsafeBufferPointer { pixels -> [UInt8] in
            guard let base = pixels.baseAddress else { return emptyRegion }
            switch (horizontal, vertical) {
            case (nil, nil):
                return copyRegion(base + (rows.lowerBound * image.width + columns.lowerBound) * 3,
                                  stride: stride, rows: rows.count, width: columns.count)
            case (let horizontal?, nil):
                return horizontalPass(base + rows.lowerBound * stride, stride: stride, rows: rows.count,
                                      firstColumn: 0, columns: columns, coefficients: horizontal)
            case (nil, let vertical?):
                return verticalPass(base + columns.lowerBound * 3, stride: stride, width: columns.count,
                                    firstRow: 0, rows: rows, coefficients: vertical)
            case (let horizontal?, let vertical?):
                if horizontalFirst {
                    let middle = horizontalPass(base + inputRows.lowerBound * stride, stride: stride, rows: inputRows.count,
                                                firstColumn: 0, columns: columns, coefficients: horizontal)
                    return middle.withUnsafeBufferPointer { middle in
                        guard let middle = middle.baseAddress else { return emptyRegion }
                        return verticalPass(middle, stride: columns.count * 3, width: columns.count,
                                            firstRow: inputRows.lowerBound, rows: rows, coefficients: vertical)
                    }
                }
                let middle = verticalPass(base + inputColumns.lowerBound * 3, stride: stride, width: inputColumns.count,
                                          firstRow: 0, rows: rows, coefficients: vertical)
                return middle.withUnsafeBufferPointer { middle in
                    guard let middle = middle.baseAddress else { return emptyRegion }
                    return horizontalPass(middle, stride: inputColumns.count * 3, rows: rows.count,
                                          firstColumn: inputColumns.lowerBound, columns: columns, coefficients: horizontal)
                }
            }
        }
    }

    /// Output columns `columns` for `rows` rows of `source`, whose first pixel is input
    /// column `firstColumn`; rows are `stride` bytes apart. Rounds to 8 bits like Pillow.
    static func horizontalPass(
        _ source: UnsafePointer<UInt8>, stride: Int, rows: Int, firstColumn: Int,
        columns: Range<Int>, coefficients: AxisCoefficients
    ) -> [UInt8] {
        let width = columns.count
        return [UInt8](unsafeUninitializedCapacity: rows * width * 3) { output, initialized in
            coefficients.weights.withUnsafeBufferPointer { weights in
                for row in 0..<rows {
                    let input = source + row * stride
                    for column in 0..<width {
                        let x = columns.lowerBound + column
                        let first = coefficients.starts[x] - firstColumn, count = coefficients.counts[x]
                        let kernel = x * coefficients.kernelSize
                        var red: Int32 = 1 << (precisionBits - 1), green = red, blue = red
                        for tap in 0..<count {
                            let weight = weights[kernel + tap]
                            let pixel = input + (first + tap) * 3
                            red = red &+ Int32(pixel[0]) &* weight
                            green = green &+ Int32(pixel[1]) &* weight
                            blue = blue &+ Int32(pixel[2]) &* weight
                        }
                        let destination = (row * width + column) * 3
                        output[destination] = clip8(red)
                        output[destination + 1] = clip8(green)
                        output[destination + 2] = clip8(blue)
                    }
                }
            }
            initialized = rows * width * 3
        }
    }

    /// Output rows `rows` over `width` pixels of `source`, whose first row is input row
    /// `firstRow`; rows are `stride` bytes apart. Rounds to 8 bits like Pillow.
    static func verticalPass(
        _ source: UnsafePointer<UInt8>, stride: Int, width: Int, firstRow: Int,
        rows: Range<Int>, coefficients: AxisCoefficients
    ) -> [UInt8] {
        let rowBytes = width * 3
        var sums = [Int32](repeating: 0, count: rowBytes)
        return [UInt8](unsafeUninitializedCapacity: rows.count * rowBytes) { output, initialized in
            sums.withUnsafeMutableBufferPointer { sums in
                for (index, y) in rows.enumerated() {
                    let first = coefficients.starts[y] - firstRow, count = coefficients.counts[y]
                    let kernel = y * coefficients.kernelSize
                    for byte in 0..<rowBytes { sums[byte] = 1 << (precisionBits - 1) }
                    for tap in 0..<count {
                        let weight = coefficients.weights[kernel + tap]
                        let input = source + (first + tap) * stride
                        for byte in 0..<rowBytes { sums[byte] = sums[byte] &+ Int32(input[byte]) &* weight }
                    }
                    let destination = index * rowBytes
                    for byte in 0..<rowBytes { output[destination + byte] = clip8(sums[byte]) }
                }
            }
            initialized = rows.count * rowBytes
        }
    }

    static func copyRegion(_ source: UnsafePointer<UInt8>, stride: Int, rows: Int, width: Int) -> [UInt8] {
        let rowBytes = width * 3
        return [UInt8](unsafeUninitializedCapacity: rows * rowBytes) { output, initialized in
            for row in 0..<rows {
                for byte in 0..<rowBytes { output[row * rowBytes + byte] = source[row * stride + byte] }
            }
            initialized = rows * rowBytes
        }
    }

    /// Output pixels `rows` x `columns` of a nearest-neighbour resize.
    static func nearestRegion(
        of image: RGBImage, outputWidth: Int, outputHeight: Int, columns: Range<Int>, rows: Range<Int>
    ) -> [UInt8] {
        let width = columns.count
        let sourceColumns = columns.map { nearestSource($0, inputSize: image.width, outputSize: outputWidth) }
        return [UInt8](unsafeUninitializedCapacity: rows.count * width * 3) { output, initialized in
            image.pixels.withUnsafeBufferPointer { input in
                for (index, y) in rows.enumerated() {
                    let sourceRow = nearestSource(y, inputSize: image.height, outputSize: outputHeight) * image.width
                    for column in 0..<width {
                        let source = (sourceRow + sourceColumns[column]) * 3
                        let destination = (index * width + column) * 3
                        output[destination] = input[source]
                        output[destination + 1] = input[source + 1]
                        output[destination + 2] = input[source + 2]
                    }
                }
            }
            initialized = rows.count * width * 3
        }
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
