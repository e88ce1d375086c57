// Bilinear resampling of NCHW tensors, as torch.nn.functional.interpolate(mode="bilinear",
// antialias=False).

/// Source taps of one output coordinate: y = w0·x[i0] + w1·x[i1].
struct LinearTap {
    var i0: Int
    var i1: Int
    var w0: Float
    var w1: Float

    /// PyTorch's `area_pixel_compute_source_index` with the scale from sizes:
    /// alignCorners: src = dst·(in − 1)/(out − 1) (0 when out = 1);
    /// otherwise src = max((dst + ½)·in/out − ½, 0).
    static func taps(input: Int, output: Int, alignCorners: Bool) -> [LinearTap] {
        let scale: Float = alignCorners
            ? (output > 1 ? Float(input - 1) / Float(output - 1) : 0)
            : Float(input) / Float(output)
        return (0..<output).map { d in
            var source = alignCorners ? scale * Float(d) : scale * (Float(d) + 0.5) - 0.5
            if source < 0 { source = 0 }
            let i0 = Swift.min(Int(source), input - 1)
            let i1 = i0 + (i0 < input - 1 ? 1 : 0)
            let w1 = source - Float(i0)
            return LinearTap(i0: i0, i1: i1, w0: 1 - w1, w1: w1)
        }
    }
}

extension Tensor {
    /// Bilinear resize of [N, C, H, W] to [N, C, size.0, size.1], as
    /// `F.interpolate(x, size=size, mode="bilinear", align_corners=alignCorners, antialias=False)`:
    /// each output is the bilinear blend of the four input pixels around its source point
    /// (see `LinearTap`). Downscaling does not low-pass filter (no antialias).
    /// Backward scatters each output gradient to the same four pixels with the same weights.
    public func interpolateBilinear(size: (Int, Int), alignCorners: Bool = false) -> Tensor {
        precondition(rank == 4, "interpolateBilinear: input must be NCHW, got shape \(shape)")
        precondition(size.0 >= 1 && size.1 >= 1, "interpolateBilinear: output size \(size) must be positive")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        precondition(h >= 1 && w >= 1, "interpolateBilinear: empty input plane in shape \(shape)")
        let (oh, ow) = size
        let rowTaps = LinearTap.taps(input: h, output: oh, alignCorners: alignCorners)
        let columnTaps = LinearTap.taps(input: w, output: ow, alignCorners: alignCorners)
        let planes = n * c
        let src = storage.pointer
        let out = Tensor(shape: [n, c, oh, ow]) { o in
            let dst = o.baseAddress!
            Parallel.forEachChunk(planes, costPerItem: oh * ow * 8) { range in
                for plane in range {
                    let x = src + plane * h * w, y = dst + plane * oh * ow
                    for i in 0..<oh {
                        let r = rowTaps[i]
                        let top = x + r.i0 * w, bottom = x + r.i1 * w
                        for j in 0..<ow {
                            let t = columnTaps[j]
                            y[i * ow + j] = r.w0 * (t.w0 * top[t.i0] + t.w1 * top[t.i1])
                                + r.w1 * (t.w0 * bottom[t.i0] + t.w1 * bottom[t.i1])
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
                Parallel.forEachChunk(planes, costPerItem: oh * ow * 8) { range in
                    for plane in range {
                        let gy = pg + plane * oh * ow, dxPlane = dst + plane * h * w
                        for i in 0..<oh {
                            let r = rowTaps[i]
                            let top = dxPlane + r.i0 * w, bottom = dxPlane + r.i1 * w
                            for j in 0..<ow {
                                let t = columnTaps[j]
                                let value = gy[i * ow + j]
                                top[t.i0] += r.w0 * t.w0 * value
                                top[t.i1] += r.w0 * t.w1 * value
                                bottom[t.i0] += r.w1 * t.w0 * value
                                bottom[t.i1] += r.w1 * t.w1 * value
                            }
                        }
                    }
                }
            }
            return [dx]
        }
    }
}
