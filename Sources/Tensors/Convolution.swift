import CBLAS
import CKernels

// 2-D convolution. The forward runs channels-last (NHWC) through the indirect-GEMM
// kernels in CKernels: output pixels are GEMM rows, output channels columns, and each
// (tap, input channel) pair one step of the reduction, read straight from the input
// through a pointer table (a 1x1 convolution is a plain GEMM with no copy). Depthwise
// convolutions take a direct per-channel kernel. The backward rules use an NHWC im2col
// and `cblas_sgemm`.

/// Extents and hyper-parameters of one convolution, checked once.
struct ConvolutionGeometry {
    var kernelGeometry: MMConvGeometry
    var batch: Int { Int(kernelGeometry.batch) }
    var inputHeight: Int { Int(kernelGeometry.inputHeight) }
    var inputWidth: Int { Int(kernelGeometry.inputWidth) }
    var inputChannels: Int { Int(kernelGeometry.inputChannels) }
    var outputHeight: Int { Int(kernelGeometry.outputHeight) }
    var outputWidth: Int { Int(kernelGeometry.outputWidth) }
    var outputChannels: Int { Int(kernelGeometry.outputChannels) }
    var kernelHeight: Int { Int(kernelGeometry.kernelHeight) }
    var kernelWidth: Int { Int(kernelGeometry.kernelWidth) }
    var groups: Int { Int(kernelGeometry.groups) }
    var taps: Int { kernelHeight * kernelWidth }
    var groupInputChannels: Int { inputChannels / groups }
    var groupOutputChannels: Int { outputChannels / groups }
    /// Output pixels: the GEMM's M.
    var rows: Int { batch * outputHeight * outputWidth }
    /// Highest SIMD level the forward kernels may use (-1: the machine's best; tests pin
    /// 0 portable, 1 AVX2, 2 AVX-512).
    var instructionSet: Int {
        get { Int(kernelGeometry.instructionSet) }
        set { kernelGeometry.instructionSet = Int32(newValue) }
    }
    /// One convolution per channel (channel multiplier 1).
    var isDepthwise: Bool { groups > 1 && groupInputChannels == 1 && groupOutputChannels == 1 }

    init(inputNHWC input: [Int], weight: [Int], bias: [Int]?, stride: (Int, Int), padding: (Int, Int),
         dilation: (Int, Int), groups: Int) {
        precondition(input.count == 4, "conv2d: input must be 4-D, got shape \(input)")
        precondition(weight.count == 4, "conv2d: weight must be [Cout, Cin/groups, kh, kw], got shape \(weight)")
        let (n, h, w, c) = (input[0], input[1], input[2], input[3])
        let (cout, cg, kh, kw) = (weight[0], weight[1], weight[2], weight[3])
        precondition(groups >= 1 && c % groups == 0 && cout % groups == 0,
                     "conv2d: groups \(groups) must divide input channels \(c) and output channels \(cout)")
        precondition(cg == c / groups,
                     "conv2d: weight \(weight) expects \(cg * groups) input channels with groups \(groups), input has \(c)")
        precondition(kh >= 1 && kw >= 1, "conv2d: empty kernel in weight \(weight)")
        precondition(stride.0 >= 1 && stride.1 >= 1, "conv2d: stride \(stride) must be positive")
        precondition(dilation.0 >= 1 && dilation.1 >= 1, "conv2d: dilation \(dilation) must be positive")
        precondition(padding.0 >= 0 && padding.1 >= 0, "conv2d: padding \(padding) must not be negative")
        if let bias { precondition(bias == [cout], "conv2d: bias \(bias) must be [\(cout)]") }
        let oh = (h + 2 * padding.0 - dilation.0 * (kh - 1) - 1) / stride.0 + 1
        let ow = (w + 2 * padding.1 - dilation.1 * (kw - 1) - 1) / stride.1 + 1
        precondition(h + 2 * padding.0 >= dilation.0 * (kh - 1) + 1 && w + 2 * padding.1 >= dilation.1 * (kw - 1) + 1,
                     "conv2d: kernel \(kh)x\(kw) (dilation \(dilation)) larger than padded input \(h)x\(w) (padding \(padding))")
        kernelGeometry = MMConvGeometry(
            batch: Int32(n), inputHeight: Int32(h), inputWidth: Int32(w), inputChannels: Int32(c),
            outputHeight: Int32(oh), outputWidth: Int32(ow), outputChannels: Int32(cout),
            kernelHeight: Int32(kh), kernelWidth: Int32(kw),
            strideHeight: Int32(stride.0), strideWidth: Int32(stride.1),
            paddingHeight: Int32(padding.0), paddingWidth: Int32(padding.1),
            dilationHeight: Int32(dilation.0), dilationWidth: Int32(dilation.1), groups: Int32(groups),
            instructionSet: -1)
    }

    /// Input pixel row (n, ih, iw) read by output row `row` at tap (kh, kw), or nil in the padding.
    @inline(__always)
    func inputOffset(outputRow row: Int, kh: Int, kw: Int) -> Int? {
        let g = kernelGeometry
        let perImage = outputHeight * outputWidth
        let n = row / perImage, rem = row % perImage
        let oh = rem / outputWidth, ow = rem % outputWidth
        let ih = oh * Int(g.strideHeight) - Int(g.paddingHeight) + kh * Int(g.dilationHeight)
        let iw = ow * Int(g.strideWidth) - Int(g.paddingWidth) + kw * Int(g.dilationWidth)
        guard ih >= 0 && ih < inputHeight && iw >= 0 && iw < inputWidth else { return nil }
        return ((n * inputHeight + ih) * inputWidth + iw) * inputChannels
    }
}

extension Tensor {
    /// 2-D convolution (cross-correlation) of an NCHW input, as `torch.nn.functional.conv2d`:
    ///
    /// y[n, o, i, j] = b[o] + Σ_{c, p, q} x[n, g·Cin/G + c, i·s₀ − p₀ + p·d₀, j·s₁ − p₁ + q·d₁] · w[o, c, p, q]
    ///
    /// with g = o / (Cout/G) the group of output channel o and zero padding.
    ///
    /// - Parameters:
    ///   - weight: [Cout, Cin/groups, kh, kw].
    ///   - bias: [Cout] or nil.
    /// - Returns: [N, Cout, Hout, Wout] with Hout = ⌊(H + 2p₀ − d₀(kh − 1) − 1)/s₀⌋ + 1 (likewise Wout).
    ///
    /// Differentiable with respect to the input, the weight and the bias. Computes in
    /// NHWC internally; layout-aware callers use `conv2dNHWC` and skip the two transposes.
    public func conv2d(weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                       dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        precondition(rank == 4, "conv2d: input must be NCHW, got shape \(shape)")
        return toChannelsLast()
            .conv2dNHWC(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
            .toChannelsFirst()
    }

    /// `conv2d` on a channels-last input [N, H, W, Cin], returning [N, Hout, Wout, Cout].
    /// The weight keeps PyTorch's layout [Cout, Cin/groups, kh, kw]; bias is [Cout] or nil.
    /// Differentiable with respect to the input, the weight and the bias.
    public func conv2dNHWC(weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                           dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        let geometry = ConvolutionGeometry(inputNHWC: shape, weight: weight.shape, bias: bias?.shape, stride: stride,
                                           padding: padding, dilation: dilation, groups: groups)
        let out = Tensor.convolutionForward(input: self, weight: weight, bias: bias, geometry: geometry)
        let input = self
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        return Tensor.recording(out, inputs: inputs) { gradient in
            let grads = Tensor.convolutionBackward(gradient: gradient, input: input, weight: weight, geometry: geometry,
                                                   needInput: input.requiresGrad, needWeight: weight.requiresGrad,
                                                   needBias: bias?.requiresGrad ?? false)
            var result: [Tensor?] = [grads.input, grads.weight]
            if bias != nil { result.append(grads.bias) }
            return result
        }
    }

    /// `relu(conv2dNHWC(input) + residual)` in one pass (either step optional): the residual
    /// [N, Hout, Wout, Cout] is added and the ReLU applied to each block of output rows
    /// while it is in cache, instead of in two more passes over memory. Differentiable: when
    /// a gradient is being recorded it runs as the separate differentiable ops.
    public func conv2dNHWC(weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                           dilation: (Int, Int) = (1, 1), groups: Int = 1, residual: Tensor?, relu: Bool) -> Tensor {
        let recording = GradientMode.isEnabled
            && ([self, weight] + [bias, residual].compactMap { $0 }).contains { $0.requiresGrad }
        let geometry = ConvolutionGeometry(inputNHWC: shape, weight: weight.shape, bias: bias?.shape, stride: stride,
                                           padding: padding, dilation: dilation, groups: groups)
        if let residual {
            let expected = [geometry.batch, geometry.outputHeight, geometry.outputWidth, geometry.outputChannels]
            precondition(residual.shape == expected,
                         "conv2dNHWC: residual shape \(residual.shape) differs from the output shape \(expected)")
        }
        if recording || geometry.isDepthwise {
            var output = conv2dNHWC(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation,
                                    groups: groups)
            if let residual { output = output + residual }
            return relu ? output.relu() : output
        }
        return Tensor.convolutionForward(input: self, weight: weight, bias: bias, geometry: geometry,
                                         residual: residual, relu: relu)
    }

    // MARK: forward

    static func convolutionForward(input: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry,
                                   residual: Tensor? = nil, relu: Bool = false) -> Tensor {
        let outShape = [geometry.batch, geometry.outputHeight, geometry.outputWidth, geometry.outputChannels]
        let x = input.storage.pointer, w = weight.storage.pointer
        let b: UnsafePointer<Float>? = bias.map { UnsafePointer($0.storage.pointer) }
        let r: UnsafePointer<Float>? = residual.map { UnsafePointer($0.storage.pointer) }
        let rows = geometry.rows
        let kernelGeometry = geometry.kernelGeometry
        return Tensor(shape: outShape) { out in
            let y = out.baseAddress!
            if rows == 0 || geometry.outputChannels == 0 { return }
            if geometry.isDepthwise {
                let channels = geometry.inputChannels, taps = geometry.taps
                // [C, 1, kh, kw] -> [kh·kw, C] so the kernel runs along channels.
                var tapWeights = [Float](repeating: 0, count: taps * channels)
                for c in 0..<channels { for t in 0..<taps { tapWeights[t * channels + c] = w[c * taps + t] } }
                tapWeights.withUnsafeBufferPointer { tw in
                    let twp = tw.baseAddress!
                    Parallel.forEachChunk(rows, costPerItem: 2 * taps * channels) { range in
                        withUnsafePointer(to: kernelGeometry) { g in
                            mm_depthwise_run_rows(g, x, twp, b, y, range.lowerBound, range.upperBound)
                        }
                    }
                }
                return
            }
            // Thin inputs under wide kernels read a zero-padded copy, one contiguous run per kernel row.
            var source = UnsafePointer(x)
            var paddedInput: UnsafeMutablePointer<Float>?
            defer { paddedInput?.deallocate() }
            if withUnsafePointer(to: kernelGeometry, { mm_conv_uses_padded_input($0) }) != 0 {
                let count = withUnsafePointer(to: kernelGeometry) { mm_conv_padded_input_count($0) }
                let padded = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
                paddedInput = padded
                Parallel.forEachChunk(geometry.batch, costPerItem: count / Swift.max(geometry.batch, 1)) { range in
                    withUnsafePointer(to: kernelGeometry) { g in
                        mm_conv_pad_input(g, x, padded, range.lowerBound, range.upperBound)
                    }
                }
                source = UnsafePointer(padded)
            }
            let packedCount = withUnsafePointer(to: kernelGeometry) { mm_conv_packed_weight_count($0) }
            let scratchCount = withUnsafePointer(to: kernelGeometry) { mm_conv_scratch_count($0) }
            let packed = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(packedCount, 1))
            defer { packed.deallocate() }
            let cost = 2 * geometry.taps * geometry.groupInputChannels * geometry.groupOutputChannels
            for group in 0..<geometry.groups {
                let panels = withUnsafePointer(to: kernelGeometry) { mm_conv_weight_panel_count($0) }
                let panelSize = packedCount / Swift.max(panels, 1)
                Parallel.forEachChunk(panels, costPerItem: panelSize) { range in
                    withUnsafePointer(to: kernelGeometry) { g in
                        mm_conv_pack_weights(g, w, Int32(group), packed, range.lowerBound, range.upperBound)
                    }
                }
                // Few rows (deep layers): each thread takes all rows and a share of the weight
                // panels, so the weights stream from memory once. Otherwise threads split rows.
                let blockRows = withUnsafePointer(to: kernelGeometry) { mm_conv_block_rows($0) }
                let splitPanels = rows < 2 * blockRows * Parallel.threadCount && panels >= Parallel.threadCount
                let items = splitPanels ? panels : rows
                Parallel.forEachChunk(items, costPerItem: cost * (splitPanels ? rows / panels : 1)) { range in
                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
                    defer { scratch.deallocate() }
                    let rowRange = splitPanels ? 0..<rows : range
                    let panelRange = splitPanels ? range : 0..<panels
                    withUnsafePointer(to: kernelGeometry) { g in
                        mm_conv_run_rows(g, source, packed, b, r, relu ? 1 : 0, y, Int32(group),
                                         rowRange.lowerBound, rowRange.upperBound,
                                         panelRange.lowerBound, panelRange.upperBound, scratch)
                    }
                }
            }
        }
    }

    // MARK: backward

    /// Gradients of the NHWC convolution given dL/dy ([N, Hout, Wout, Cout]).
    ///
    /// With X the im2col matrix [M, kh·kw·Cin/G] (rows: output pixels, columns ordered
    /// (tap, channel)) and W' the weight as [Cout/G, kh·kw·Cin/G] per group:
    /// dW' = dYᵀ X, dX = col2im(dY W'), db = Σ_rows dY.
    static func convolutionBackward(gradient: Tensor, input: Tensor, weight: Tensor, geometry: ConvolutionGeometry,
                                    needInput: Bool, needWeight: Bool, needBias: Bool)
        -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let rows = geometry.rows, cout = geometry.outputChannels
        let gy = gradient.storage.pointer
        var biasGradient: Tensor?
        if needBias {
            biasGradient = Tensor(shape: [cout]) { db in
                db.initialize(repeating: 0)
                let d = db.baseAddress!
                for r in 0..<rows {
                    let row = gy + r * cout
                    for o in 0..<cout { d[o] += row[o] }
                }
            }
        }
        if !needInput && !needWeight { return (nil, nil, biasGradient) }
        if geometry.isDepthwise {
            let (dx, dw) = depthwiseBackward(gradient: gradient, input: input, weight: weight, geometry: geometry,
                                             needInput: needInput, needWeight: needWeight)
            return (dx, dw, biasGradient)
        }
        let taps = geometry.taps, cg = geometry.groupInputChannels, og = geometry.groupOutputChannels
        let depth = taps * cg
        let perImage = geometry.outputHeight * geometry.outputWidth
        // Bound the im2col buffer: whole images, about 16M scalars at a time.
        let imagesPerChunk = Swift.max(1, (1 << 24) / Swift.max(perImage * depth, 1))
        let x = input.storage.pointer, w = weight.storage.pointer
        let dInput: Tensor? = needInput ? Tensor.zeros(input.shape) : nil
        let dWeight: Tensor? = needWeight ? Tensor.zeros(weight.shape) : nil
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(imagesPerChunk * perImage * depth, 1))
        defer { columns.deallocate() }
        let permutedWeight = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(og * depth, 1))
        defer { permutedWeight.deallocate() }
        let permutedWeightGradient = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(og * depth, 1))
        defer { permutedWeightGradient.deallocate() }
        for group in 0..<geometry.groups {
            // W'[o, t·cg + c] = w[group·og + o, c, t]
            for o in 0..<og {
                for c in 0..<cg {
                    for t in 0..<taps { permutedWeight[o * depth + t * cg + c] = w[((group * og + o) * cg + c) * taps + t] }
                }
            }
            permutedWeightGradient.initialize(repeating: 0, count: og * depth)
            var image = 0
            while image < geometry.batch {
                let images = Swift.min(imagesPerChunk, geometry.batch - image)
                let rowStart = image * perImage, chunkRows = images * perImage
                let gyChunk = gy + rowStart * cout + group * og
                if needWeight {
                    im2col(input: x, geometry: geometry, group: group, rows: rowStart..<(rowStart + chunkRows), into: columns)
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(og), Int32(depth), Int32(chunkRows),
                                1, gyChunk, Int32(cout), columns, Int32(depth), 1, permutedWeightGradient, Int32(depth))
                }
                if let dInput {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(chunkRows), Int32(depth), Int32(og),
                                1, gyChunk, Int32(cout), permutedWeight, Int32(depth), 0, columns, Int32(depth))
                    col2imAdd(columns, geometry: geometry, group: group, images: image..<(image + images),
                              into: dInput.storage.pointer)
                }
                image += images
            }
            if let dWeight {
                let dw = dWeight.storage.pointer
                for o in 0..<og {
                    for c in 0..<cg {
                        for t in 0..<taps { dw[((group * og + o) * cg + c) * taps + t] = permutedWeightGradient[o * depth + t * cg + c] }
                    }
                }
            }
        }
        return (dInput, dWeight, biasGradient)
    }

    /// Writes the im2col rows of `rows` for one group: [rows, taps·cg], zeros in the padding.
    static func im2col(input x: UnsafePointer<Float>, geometry: ConvolutionGeometry, group: Int, rows: Range<Int>,
                       into columns: UnsafeMutablePointer<Float>) {
        let cg = geometry.groupInputChannels, depth = geometry.taps * cg
        let kh = geometry.kernelHeight, kw = geometry.kernelWidth
        Parallel.forEachChunk(rows.count, costPerItem: depth) { range in
            for local in range {
                let row = rows.lowerBound + local
                let dst = columns + local * depth
                for p in 0..<kh {
                    for q in 0..<kw {
                        let segment = dst + (p * kw + q) * cg
                        if let offset = geometry.inputOffset(outputRow: row, kh: p, kw: q) {
                            segment.update(from: x + offset + group * cg, count: cg)
                        } else {
                            segment.update(repeating: 0, count: cg)
                        }
                    }
                }
            }
        }
    }

    /// Adds im2col-shaped gradients back onto the input pixels they were read from.
    /// Parallel over images, whose input regions are disjoint.
    static func col2imAdd(_ columns: UnsafePointer<Float>, geometry: ConvolutionGeometry, group: Int, images: Range<Int>,
                          into dx: UnsafeMutablePointer<Float>) {
        let cg = geometry.groupInputChannels, depth = geometry.taps * cg
        let kh = geometry.kernelHeight, kw = geometry.kernelWidth
        let perImage = geometry.outputHeight * geometry.outputWidth
        Parallel.forEachChunk(images.count, costPerItem: perImage * depth) { range in
            for localImage in range {
                for pixel in 0..<perImage {
                    let local = localImage * perImage + pixel
                    let row = (images.lowerBound + localImage) * perImage + pixel
                    let src = columns + local * depth
                    for p in 0..<kh {
                        for q in 0..<kw {
                            guard let offset = geometry.inputOffset(outputRow: row, kh: p, kw: q) else { continue }
                            let target = dx + offset + group * cg
                            let segment = src + (p * kw + q) * cg
                            for c in 0..<cg { target[c] += segment[c] }
                        }
                    }
                }
            }
        }
    }

    /// Depthwise backward: dx[pixel, c] += dy[row, c]·w[c, tap]; dw[c, tap] += dy[row, c]·x[pixel, c].
    static func depthwiseBackward(gradient: Tensor, input: Tensor, weight: Tensor, geometry: ConvolutionGeometry,
                                  needInput: Bool, needWeight: Bool) -> (Tensor?, Tensor?) {
        let channels = geometry.inputChannels, taps = geometry.taps
        let kh = geometry.kernelHeight, kw = geometry.kernelWidth
        let perImage = geometry.outputHeight * geometry.outputWidth
        let gy = gradient.storage.pointer, x = input.storage.pointer, w = weight.storage.pointer
        var tapWeights = [Float](repeating: 0, count: taps * channels)
        for c in 0..<channels { for t in 0..<taps { tapWeights[t * channels + c] = w[c * taps + t] } }
        let dInput: Tensor? = needInput ? Tensor.zeros(input.shape) : nil
        let threads = Swift.max(1, Swift.min(Parallel.threadCount, geometry.batch))
        // One weight-gradient partial per image chunk, summed after.
        var partials = [Float](repeating: 0, count: needWeight ? threads * taps * channels : 0)
        tapWeights.withUnsafeBufferPointer { twBuffer in
            partials.withUnsafeMutableBufferPointer { partialBuffer in
                let tw = twBuffer.baseAddress!
                let partialBase = partialBuffer.baseAddress
                let dx = dInput?.storage.pointer
                Parallel.forEachChunk(threads, costPerItem: 1 << 20) { chunkRange in
                    for chunk in chunkRange {
                        let firstImage = geometry.batch * chunk / threads
                        let lastImage = geometry.batch * (chunk + 1) / threads
                        let partial = partialBase.map { $0 + chunk * taps * channels }
                        for row in (firstImage * perImage)..<(lastImage * perImage) {
                            let g = gy + row * channels
                            for p in 0..<kh {
                                for q in 0..<kw {
                                    guard let offset = geometry.inputOffset(outputRow: row, kh: p, kw: q) else { continue }
                                    let t = p * kw + q
                                    if let dx {
                                        let target = dx + offset, wt = tw + t * channels
                                        for c in 0..<channels { target[c] += g[c] * wt[c] }
                                    }
                                    if let partial {
                                        let target = partial + t * channels, source = x + offset
                                        for c in 0..<channels { target[c] += g[c] * source[c] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var dWeight: Tensor?
        if needWeight {
            dWeight = Tensor(shape: weight.shape) { dw in
                dw.initialize(repeating: 0)
                for chunk in 0..<threads {
                    for t in 0..<taps {
                        for c in 0..<channels { dw[c * taps + t] += partials[(chunk * taps + t) * channels + c] }
                    }
                }
            }
        }
        return (dInput, dWeight)
    }
}
