import CBLAS
import Foundation
import Tensors

// The data-movement and attention kernels of the Swin Transformer (inference only: the
// outputs record no gradient). Token maps are channels-last [B, H, W, C]; windows are
// [B·nW, N, C] with N = window², windows ordered row-major over the padded, shifted map
// (Hugging Face's and timm's `window_partition`).

/// Where the windows of one block lie on a [B, H, W] token map: the map is padded with
/// zeros on the bottom/right to Hp × Wp (multiples of the window), then rolled by −shift
/// on both axes (Hugging Face's order: pad, then `torch.roll`).
struct WindowGeometry {
    let batch: Int, height: Int, width: Int
    let window: Int, shift: Int
    let paddedHeight: Int, paddedWidth: Int

    /// Hugging Face's rule (`SwinLayer.set_shift_and_window_size`): when the map's shorter
    /// side is at most the window, the window shrinks to that side and the shift is 0.
    init(batch: Int, height: Int, width: Int, window configured: Int, shifted: Bool) {
        self.batch = batch
        self.height = height
        self.width = width
        if Swift.min(height, width) <= configured {
            window = Swift.min(height, width)
            shift = 0
        } else {
            window = configured
            shift = shifted ? configured / 2 : 0
        }
        paddedHeight = (height + window - 1) / window * window
        paddedWidth = (width + window - 1) / window * window
    }

    var windowsDown: Int { paddedHeight / window }
    var windowsAcross: Int { paddedWidth / window }
    /// Windows per image, nW.
    var windowsPerImage: Int { windowsDown * windowsAcross }
    /// Tokens per window, N.
    var tokens: Int { window * window }
    /// Rows of the window tensor, B·nW·N.
    var windowRows: Int { batch * windowsPerImage * tokens }

    /// The window-tensor row of map position (b, y, x): the position moves to
    /// ((y − shift) mod Hp, (x − shift) mod Wp) in the shifted map.
    @inline(__always)
    func windowRow(_ b: Int, _ y: Int, _ x: Int) -> Int {
        let py = (y - shift + paddedHeight) % paddedHeight, px = (x - shift + paddedWidth) % paddedWidth
        let windowIndex = (b * windowsDown + py / window) * windowsAcross + px / window
        return windowIndex * tokens + (py % window) * window + px % window
    }

    /// The map position (y, x) a window-tensor row reads, or nil for padding.
    @inline(__always)
    func mapPosition(ofWindowRow row: Int) -> (b: Int, y: Int, x: Int)? {
        let windowIndex = row / tokens, inside = row % tokens
        let b = windowIndex / windowsPerImage, local = windowIndex % windowsPerImage
        let py = (local / windowsAcross) * window + inside / window
        let px = (local % windowsAcross) * window + inside % window
        let y = (py + shift) % paddedHeight, x = (px + shift) % paddedWidth
        return y < height && x < width ? (b, y, x) : nil
    }

    /// The additive mask of shifted windows, [nW, N, N], or nil without a shift: each
    /// padded position gets a region label h·3 + w from the three bands per axis
    /// [0, Hp − window), [Hp − window, Hp − shift), [Hp − shift, Hp); tokens of different
    /// regions in one window get −100 (Hugging Face's and timm's value), others 0.
    func shiftMask() -> Tensor? {
        guard shift > 0 else { return nil }
        func band(_ index: Int, _ extent: Int) -> Int {
            (index >= extent - window ? 1 : 0) + (index >= extent - shift ? 1 : 0)
        }
        let n = tokens, across = windowsAcross
        return Tensor(shape: [windowsPerImage, n, n]) { buffer in
            guard let pointer = buffer.baseAddress else { return }
            var labels = [Int](repeating: 0, count: n)
            for local in 0..<windowsPerImage {
                for inside in 0..<n {
                    let py = (local / across) * window + inside / window
                    let px = (local % across) * window + inside % window
                    labels[inside] = band(py, paddedHeight) * 3 + band(px, paddedWidth)
                }
                let block = pointer + local * n * n
                for i in 0..<n {
                    for j in 0..<n { block[i * n + j] = labels[i] == labels[j] ? 0 : -100 }
                }
            }
        }
    }
}

extension Tensor {
    /// Non-overlapping p×p patches of NCHW `images` [B, Cin, H, W] as rows
    /// [B·⌈H/p⌉·⌈W/p⌉, Cin·p·p] in (channel, row, column) order (a stride-p convolution's
    /// weight order), zero-padded on the bottom/right as Hugging Face's `maybe_pad`.
    func swinPatches(patch p: Int) -> Tensor {
        let (b, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let rows = (h + p - 1) / p, columns = (w + p - 1) / p
        let width = c * p * p
        let source = storage.pointer
        return Tensor(shape: [b * rows * columns, width]) { buffer in
            guard let out = buffer.baseAddress else { return }
            Parallel.forEachChunk(b * rows, costPerItem: columns * width) { range in
                for item in range {
                    let image = item / rows, patchRow = item % rows
                    for patchColumn in 0..<columns {
                        let row = out + ((image * rows + patchRow) * columns + patchColumn) * width
                        for channel in 0..<c {
                            let plane = source + (image * c + channel) * h * w
                            for dy in 0..<p {
                                let y = patchRow * p + dy
                                let target = row + (channel * p + dy) * p
                                for dx in 0..<p {
                                    let x = patchColumn * p + dx
                                    target[dx] = y < h && x < w ? plane[y * w + x] : 0
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Layer-normalised tokens of the map `self` [B, H·W, C] gathered into windows
    /// [B·nW·N, C] by `geometry`; padding rows are zeros (the map is padded after the norm).
    func swinWindows(_ geometry: WindowGeometry, normWeight: Tensor, normBias: Tensor, epsilon: Float) -> Tensor {
        let c = shape[rank - 1]
        let source = storage.pointer, gamma = normWeight.storage.pointer, beta = normBias.storage.pointer
        return Tensor(shape: [geometry.windowRows, c]) { buffer in
            guard let out = buffer.baseAddress else { return }
            Parallel.forEachChunk(geometry.windowRows, costPerItem: c * 4) { range in
                for row in range {
                    let target = out + row * c
                    guard let (b, y, x) = geometry.mapPosition(ofWindowRow: row) else {
                        target.initialize(repeating: 0, count: c)
                        continue
                    }
                    target.update(from: source + ((b * geometry.height + y) * geometry.width + x) * c, count: c)
                    let (mean, rstd) = rowMoments(target, count: c, epsilon: epsilon)
                    normalizeRow(target, mean: mean, rstd: rstd, weight: gamma, bias: beta, count: c)
                }
            }
        }
    }

    /// `self` [B, H·W, C] + windows [B·nW·N, C] mapped back to the map (shift undone,
    /// padding dropped) + `bias` [C]: the residual connection around window attention.
    func addingSwinWindows(_ windows: Tensor, bias: Tensor, _ geometry: WindowGeometry) -> Tensor {
        let c = shape[rank - 1]
        let residual = storage.pointer, source = windows.storage.pointer, b = bias.storage.pointer
        let (height, width) = (geometry.height, geometry.width)
        return Tensor(shape: shape) { buffer in
            guard let out = buffer.baseAddress else { return }
            Parallel.forEachChunk(geometry.batch * height, costPerItem: width * c) { range in
                for item in range {
                    let image = item / height, y = item % height
                    for x in 0..<width {
                        let offset = ((image * height + y) * width + x) * c
                        addRows(residual + offset, source + geometry.windowRow(image, y, x) * c, b,
                                into: out + offset, count: c)
                    }
                }
            }
        }
    }

    /// x + b + residual over the last dimension (`bias` [C], `residual` shaped like `self`).
    func addingBiasAndResidual(_ bias: Tensor, _ residual: Tensor) -> Tensor {
        let c = shape[rank - 1]
        precondition(residual.shape == shape && bias.shape == [c],
                     "addingBiasAndResidual: bias \(bias.shape), residual \(residual.shape) for \(shape)")
        let rows = c == 0 ? 0 : count / c
        let x = storage.pointer, r = residual.storage.pointer, b = bias.storage.pointer
        return Tensor(shape: shape) { buffer in
            guard let out = buffer.baseAddress else { return }
            Parallel.forEachChunk(rows, costPerItem: c) { range in
                for row in range { addRows(x + row * c, b, r + row * c, into: out + row * c, count: c) }
            }
        }
    }

    /// The 2×2 neighbourhoods of the map `self` [B, H·W, C] concatenated to
    /// [B·⌈H/2⌉·⌈W/2⌉, 4C] in the order (0,0), (1,0), (0,1), (1,1) as (row, column)
    /// offsets (Hugging Face's `x[:, row::2, col::2]` for col, row; timm's reshape and
    /// permute give the same order), zero-padded on the bottom/right.
    func swinMergedPatches(height: Int, width: Int) -> Tensor {
        let b = shape[0], c = shape[rank - 1]
        let rows = (height + 1) / 2, columns = (width + 1) / 2
        let source = storage.pointer
        let offsets = [(0, 0), (1, 0), (0, 1), (1, 1)]
        return Tensor(shape: [b * rows * columns, 4 * c]) { buffer in
            guard let out = buffer.baseAddress else { return }
            Parallel.forEachChunk(b * rows, costPerItem: columns * 4 * c) { range in
                for item in range {
                    let image = item / rows, row = item % rows
                    for column in 0..<columns {
                        let target = out + ((image * rows + row) * columns + column) * 4 * c
                        for (part, (dy, dx)) in offsets.enumerated() {
                            let y = 2 * row + dy, x = 2 * column + dx
                            if y < height && x < width {
                                (target + part * c).update(from: source + ((image * height + y) * width + x) * c, count: c)
                            } else {
                                (target + part * c).initialize(repeating: 0, count: c)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Window self-attention on the fused projections `self` [B·nW·N, 3C] (rows q, k, v
    /// per token, heads h·d ..< (h+1)·d in each): for each window and head,
    /// O = softmax(Q Kᵀ/√d + bias[h] + mask[window mod nW]) V, written to [B·nW·N, C].
    /// `bias` is [heads, N, N]; `mask` [nW, N, N] or nil.
    func swinWindowAttention(heads: Int, tokens n: Int, bias: Tensor, mask: Tensor?) -> Tensor {
        let width = shape[rank - 1], c = width / 3, d = c / heads
        let windows = count / (n * width)
        let maskWindows = mask.map { $0.shape[0] } ?? 1
        let alpha = 1 / Float(d).squareRoot()
        let qkv = storage.pointer, pb = bias.storage.pointer, pm = mask?.storage.pointer
        let pairs = windows * heads
        return Tensor(shape: [windows * n, c]) { buffer in
            guard let out = buffer.baseAddress else { return }
            BLASThreads.single {
                Parallel.forEachChunk(pairs, costPerItem: n * n * d * 4) { range in
                    let scores = TensorStorage(uninitializedCount: n * n)
                    let s = scores.pointer
                    for pair in range {
                        let window = pair / heads, head = pair % heads
                        let q = qkv + window * n * width + head * d
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(n), Int32(d),
                                    alpha, q, Int32(width), q + c, Int32(width), 0, s, Int32(n))
                        let headBias = pb + head * n * n
                        if let pm {
                            addRows(s, headBias, pm + (window % maskWindows) * n * n, into: s, count: n * n)
                        } else {
                            addRows(s, headBias, into: s, count: n * n)
                        }
                        for i in 0..<n { softmaxRow(s + i * n, n) }
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(d), Int32(n),
                                    1, s, Int32(n), q + 2 * c, Int32(width), 0, out + window * n * c + head * d, Int32(c))
                    }
                }
            }
        }
    }
}

/// The relative position bias of a window × window attention, [heads, N, N], from a table
/// [(2·w₀ − 1)², heads] made for windows of side w₀ ≥ window: entry (i, j) is row
/// (yᵢ − yⱼ + w₀ − 1)·(2·w₀ − 1) + (xᵢ − xⱼ + w₀ − 1) (Hugging Face's and timm's
/// `relative_position_index`). A window clamped below w₀ reads the table's central part.
func swinRelativePositionBias(table: Tensor, tableWindow: Int, window: Int) -> Tensor {
    let heads = table.shape[1], n = window * window, side = 2 * tableWindow - 1
    let source = table.storage.pointer
    return Tensor(shape: [heads, n, n]) { buffer in
        guard let out = buffer.baseAddress else { return }
        for i in 0..<n {
            for j in 0..<n {
                let dy = i / window - j / window + tableWindow - 1
                let dx = i % window - j % window + tableWindow - 1
                let row = source + (dy * side + dx) * heads
                for h in 0..<heads { out[(h * n + i) * n + j] = row[h] }
            }
        }
    }
}

/// Softmax of one row in place (max-subtracted).
@inline(__always)
private func softmaxRow(_ row: UnsafeMutablePointer<Float>, _ n: Int) {
    var m = -Float.infinity
    for j in 0..<n { m = Swift.max(m, row[j]) }
    var total: Float = 0
    for j in 0..<n { let e = Foundation.exp(row[j] - m); row[j] = e; total += e }
    let inverse = 1 / total
    for j in 0..<n { row[j] *= inverse }
}
