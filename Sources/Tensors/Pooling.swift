// 2-D max, average and adaptive average pooling over NCHW tensors (floor output sizes,
// as PyTorch with ceil_mode=False). Each (image, channel) plane is independent; planes
// split over the cores.

/// Output extent of a pooling window sweep: ⌊(size + 2·padding − kernel) / stride⌋ + 1.
func pooledExtent(_ size: Int, kernel: Int, stride: Int, padding: Int, op: String) -> Int {
    precondition(kernel >= 1 && stride >= 1 && padding >= 0, "\(op): kernel, stride must be positive and padding non-negative")
    precondition(padding * 2 <= kernel, "\(op): padding \(padding) must be at most half the kernel \(kernel)")
    precondition(size + 2 * padding >= kernel, "\(op): kernel \(kernel) larger than padded input \(size) (padding \(padding))")
    return (size + 2 * padding - kernel) / stride + 1
}

extension Tensor {
    /// Max pooling, as `torch.nn.functional.max_pool2d` (dilation 1, ceil_mode False):
    /// y[n, c, i, j] = max over the kernel window at (i·s₀ − p₀, j·s₁ − p₁) of x, padding
    /// never selected. `stride` defaults to `kernel`. Input [N, C, H, W]; output
    /// [N, C, ⌊(H + 2p₀ − k₀)/s₀⌋ + 1, ⌊(W + 2p₁ − k₁)/s₁⌋ + 1].
    ///
    /// Backward: each output gradient goes to the input element that won its window (the
    /// first maximum in row-major window order).
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
        precondition(rank == 4, "maxPool2d: input must be NCHW, got shape \(shape)")
        let s = stride ?? kernel
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let oh = pooledExtent(h, kernel: kernel.0, stride: s.0, padding: padding.0, op: "maxPool2d")
        let ow = pooledExtent(w, kernel: kernel.1, stride: s.1, padding: padding.1, op: "maxPool2d")
        let planes = n * c
        let src = storage.pointer
        // Winner offset within its plane for each output element.
        let winners = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(planes * oh * ow, 1))
        let out = Tensor(shape: [n, c, oh, ow]) { o in
            let dst = o.baseAddress!
            Parallel.forEachChunk(planes, costPerItem: oh * ow * kernel.0 * kernel.1) { range in
                for plane in range {
                    let x = src + plane * h * w
                    let y = dst + plane * oh * ow, win = winners + plane * oh * ow
                    for i in 0..<oh {
                        let h0 = i * s.0 - padding.0
                        let hStart = Swift.max(h0, 0), hEnd = Swift.min(h0 + kernel.0, h)
                        for j in 0..<ow {
                            let w0 = j * s.1 - padding.1
                            let wStart = Swift.max(w0, 0), wEnd = Swift.min(w0 + kernel.1, w)
                            var best = -Float.infinity
                            var bestIndex = hStart * w + wStart
                            for p in hStart..<hEnd {
                                for q in wStart..<wEnd {
                                    let v = x[p * w + q]
                                    if v > best || v.isNaN { best = v; bestIndex = p * w + q }
                                }
                            }
                            y[i * ow + j] = best
                            win[i * ow + j] = Int32(bestIndex)
                        }
                    }
                }
            }
        }
        let winnerTable = PoolingWinners(pointer: winners)
        let inputShape = shape
        return Tensor.recording(out, inputs: [self]) { g in
            let pg = g.storage.pointer
            let winnersPointer = winnerTable.pointer
            let dx = Tensor(shape: inputShape) { d in
                d.initialize(repeating: 0)
                let dst = d.baseAddress!
                Parallel.forEachChunk(planes, costPerItem: oh * ow) { range in
                    for plane in range {
                        let gy = pg + plane * oh * ow, win = winnersPointer + plane * oh * ow
                        let dxPlane = dst + plane * h * w
                        for k in 0..<(oh * ow) { dxPlane[Int(win[k])] += gy[k] }
                    }
                }
            }
            return [dx]
        }
    }

    /// Average pooling, as `torch.nn.functional.avg_pool2d` (ceil_mode False): the mean of
    /// each window, dividing by the kernel area when `countIncludePad` (padding counts as
    /// zeros) or by the number of input elements in the window otherwise. `stride`
    /// defaults to `kernel`. Backward spreads each output gradient evenly (same divisor)
    /// over its window.
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                          countIncludePad: Bool = true) -> Tensor {
        precondition(rank == 4, "avgPool2d: input must be NCHW, got shape \(shape)")
        let s = stride ?? kernel
        let (h, w) = (shape[2], shape[3])
        let oh = pooledExtent(h, kernel: kernel.0, stride: s.0, padding: padding.0, op: "avgPool2d")
        let ow = pooledExtent(w, kernel: kernel.1, stride: s.1, padding: padding.1, op: "avgPool2d")
        let rowsWindows = (0..<oh).map { i -> (Int, Int) in
            let start = i * s.0 - padding.0
            return (Swift.max(start, 0), Swift.min(start + kernel.0, h))
        }
        let columnWindows = (0..<ow).map { j -> (Int, Int) in
            let start = j * s.1 - padding.1
            return (Swift.max(start, 0), Swift.min(start + kernel.1, w))
        }
        let area = Float(kernel.0 * kernel.1)
        return windowAverage(rows: rowsWindows, columns: columnWindows) { rowWindow, columnWindow in
            countIncludePad ? area : Float((rowWindow.1 - rowWindow.0) * (columnWindow.1 - columnWindow.0))
        }
    }

    /// Adaptive average pooling, as `torch.nn.functional.adaptive_avg_pool2d`: output cell
    /// (i, j) averages input rows ⌊i·H/Hout⌋ ..< ⌈(i+1)·H/Hout⌉ and the matching columns
    /// (windows may overlap when the sizes do not divide). Input [N, C, H, W]; output
    /// [N, C, Hout, Wout].
    public func adaptiveAvgPool2d(outputSize: (Int, Int)) -> Tensor {
        precondition(rank == 4, "adaptiveAvgPool2d: input must be NCHW, got shape \(shape)")
        precondition(outputSize.0 >= 1 && outputSize.1 >= 1, "adaptiveAvgPool2d: output size \(outputSize) must be positive")
        let (h, w) = (shape[2], shape[3])
        precondition(h >= 1 && w >= 1, "adaptiveAvgPool2d: empty input plane in shape \(shape)")
        let rowWindows = (0..<outputSize.0).map { i in (i * h / outputSize.0, ((i + 1) * h + outputSize.0 - 1) / outputSize.0) }
        let columnWindows = (0..<outputSize.1).map { j in (j * w / outputSize.1, ((j + 1) * w + outputSize.1 - 1) / outputSize.1) }
        return windowAverage(rows: rowWindows, columns: columnWindows) { rowWindow, columnWindow in
            Float((rowWindow.1 - rowWindow.0) * (columnWindow.1 - columnWindow.0))
        }
    }

    /// y[n, c, i, j] = Σ x over rows[i] × columns[j] / divisor(rows[i], columns[j]), with
    /// its backward (each window's gradient / divisor added to every element of the window).
    func windowAverage(rows rowWindows: [(Int, Int)], columns columnWindows: [(Int, Int)],
                       divisor: ((Int, Int), (Int, Int)) -> Float) -> Tensor {
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let oh = rowWindows.count, ow = columnWindows.count
        let planes = n * c
        var scales = [Float](repeating: 0, count: oh * ow)
        for i in 0..<oh { for j in 0..<ow { scales[i * ow + j] = 1 / divisor(rowWindows[i], columnWindows[j]) } }
        let src = storage.pointer
        let out = Tensor(shape: [n, c, oh, ow]) { o in
            let dst = o.baseAddress!
            Parallel.forEachChunk(planes, costPerItem: h * w + oh * ow) { range in
                for plane in range {
                    let x = src + plane * h * w, y = dst + plane * oh * ow
                    for i in 0..<oh {
                        let (h0, h1) = rowWindows[i]
                        for j in 0..<ow {
                            let (w0, w1) = columnWindows[j]
                            var sum: Float = 0
                            for p in h0..<h1 { for q in w0..<w1 { sum += x[p * w + q] } }
                            y[i * ow + j] = sum * scales[i * ow + j]
                        }
                    }
                }
            }
        }
        let inputShape = shape
        return Tensor.recording(out, inputs: [self]) { g in
            let pg = g.storage.pointer
            let dx = Tensor(shape: inputShape) { d in
                d.initialize(repeating: 0)
                let dst = d.baseAddress!
                Parallel.forEachChunk(planes, costPerItem: h * w + oh * ow) { range in
                    for plane in range {
                        let gy = pg + plane * oh * ow, dxPlane = dst + plane * h * w
                        for i in 0..<oh {
                            let (h0, h1) = rowWindows[i]
                            for j in 0..<ow {
                                let (w0, w1) = columnWindows[j]
                                let share = gy[i * ow + j] * scales[i * ow + j]
                                for p in h0..<h1 { for q in w0..<w1 { dxPlane[p * w + q] += share } }
                            }
                        }
                    }
                }
            }
            return [dx]
        }
    }
}

/// The max-pool winner table, kept alive by the backward closure and freed with it.
final class PoolingWinners: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int32>
    init(pointer: UnsafeMutablePointer<Int32>) { self.pointer = pointer }
    deinit { pointer.deallocate() }
}
