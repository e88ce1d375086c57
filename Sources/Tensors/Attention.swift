import CBLAS
import Foundation

/// An additive attention mask seen as [mb, mh, mq, Lk] with mb ∈ {1, B}, mh ∈ {1, H},
/// mq ∈ {1, Lq}: the row of scores for (batch, head, query) gets `row(b, h, i)` added.
struct AttentionMask {
    let tensor: Tensor
    let batch: Int, heads: Int, queries: Int, keys: Int

    init(_ mask: Tensor, batch b: Int, heads h: Int, queries lq: Int, keys lk: Int) {
        var shape = mask.shape
        precondition(shape.count >= 2 && shape.count <= 4 && shape.last == lk,
                     "attention: mask shape \(mask.shape) must end in the key length \(lk) and have rank 2 to 4")
        if shape.count == 2 { shape = [1, 1] + shape }
        if shape.count == 3 { shape = [shape[0], 1, shape[1], shape[2]] }
        precondition((shape[0] == 1 || shape[0] == b) && (shape[1] == 1 || shape[1] == h) && (shape[2] == 1 || shape[2] == lq),
                     "attention: mask shape \(mask.shape) does not broadcast to [\(b), \(h), \(lq), \(lk)]")
        tensor = mask
        batch = shape[0]; heads = shape[1]; queries = shape[2]; keys = lk
    }

    @inline(__always)
    func row(_ b: Int, _ h: Int, _ i: Int) -> UnsafePointer<Float> {
        let bi = batch == 1 ? 0 : b, hi = heads == 1 ? 0 : h, qi = queries == 1 ? 0 : i
        return UnsafePointer(tensor.storage.pointer + ((bi * heads + hi) * queries + qi) * keys)
    }
}

extension Tensor {
    /// Fused multi-head scaled dot-product attention on projected inputs, without
    /// splitting heads into separate tensors.
    ///
    /// `query` is [B, Lq, E], `key` and `value` are [B, Lk, E], and head h uses the
    /// columns h·E/H ..< (h+1)·E/H. For each batch entry and head:
    /// P = softmax(Q Kᵀ · scale + mask), O = dropout(P) V, written back to [B, Lq, E].
    ///
    /// - Parameters:
    ///   - mask: additive mask broadcastable to [B, H, Lq, Lk] (rank 2: [Lq|1, Lk];
    ///     rank 3: [B|1, Lq|1, Lk]; rank 4). Use -infinity to hide a key. A row whose keys
    ///     are all hidden gives zeros.
    ///   - scale: defaults to 1/sqrt(E/H).
    ///   - dropout: probability of dropping an attention weight (training only).
    ///   - generator: source of the dropout masks (required when dropout > 0).
    /// - Returns: the output [B, Lq, E] and, when `returnWeights`, the attention weights
    ///   P [B, H, Lq, Lk] (before dropout, not differentiable).
    public static func multiHeadAttention(
        query: Tensor, key: Tensor, value: Tensor, heads: Int,
        mask: Tensor? = nil, scale: Float? = nil,
        dropout: Float = 0, generator: inout RandomGenerator,
        returnWeights: Bool = false
    ) -> (output: Tensor, weights: Tensor?) {
        precondition(query.rank == 3 && key.rank == 3 && value.rank == 3,
                     "attention: query \(query.shape), key \(key.shape), value \(value.shape) must be [B, L, E]")
        let b = query.shape[0], lq = query.shape[1], e = query.shape[2], lk = key.shape[1]
        precondition(key.shape == [b, lk, e] && value.shape == [b, lk, e],
                     "attention: key \(key.shape) and value \(value.shape) must be [\(b), Lk, \(e)] for query \(query.shape)")
        precondition(heads > 0 && e % heads == 0, "attention: embedding \(e) not divisible by \(heads) heads")
        precondition(dropout >= 0 && dropout < 1, "attention: dropout \(dropout) outside [0, 1)")
        let dh = e / heads
        let alpha = scale ?? 1 / Float(dh).squareRoot()
        let additive = mask.map { AttentionMask($0, batch: b, heads: heads, queries: lq, keys: lk) }
        let pairs = b * heads
        let block = lq * lk
        let probabilities = TensorStorage(uninitializedCount: pairs * block)
        // Dropout masks (scaled keep factors), one independent stream per (batch, head).
        let dropMask: TensorStorage? = dropout > 0 ? TensorStorage(uninitializedCount: pairs * block) : nil
        let seeds = (0..<pairs).map { _ in dropout > 0 ? generator.next() : 0 }
        let pq = query.storage.pointer, pk = key.storage.pointer, pv = value.storage.pointer
        let output = Tensor(shape: [b, lq, e]) { out in
            let po = out.baseAddress!
            BLASThreads.single {
                Parallel.forEachChunk(pairs, costPerItem: block * dh * 4) { range in
                    let dropped = dropMask.map { _ in TensorStorage(uninitializedCount: block) }
                    for pair in range {
                        let bi = pair / heads, h = pair % heads
                        let q = pq + bi * lq * e + h * dh
                        let k = pk + bi * lk * e + h * dh
                        let v = pv + bi * lk * e + h * dh
                        let p = probabilities.pointer + pair * block
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(lq), Int32(lk), Int32(dh),
                                    alpha, q, Int32(e), k, Int32(e), 0, p, Int32(lk))
                        for i in 0..<lq {
                            let row = p + i * lk
                            if let additive {
                                let m = additive.row(bi, h, i)
                                for j in 0..<lk { row[j] += m[j] }
                            }
                            softmaxRow(row, lk)
                        }
                        var weights = UnsafePointer(p)
                        if let dropMask, let dropped {
                            var rng = RandomGenerator(seed: seeds[pair])
                            let keep = UInt32((1 - Double(dropout)) * 4_294_967_295.0)
                            let factor = 1 / (1 - dropout)
                            let mp = dropMask.pointer + pair * block
                            for j in 0..<block {
                                mp[j] = UInt32(truncatingIfNeeded: rng.next() >> 32) < keep ? factor : 0
                                dropped.pointer[j] = p[j] * mp[j]
                            }
                            weights = UnsafePointer(dropped.pointer)
                        }
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(lq), Int32(dh), Int32(lk),
                                    1, weights, Int32(lk), v, Int32(e), 0, po + bi * lq * e + h * dh, Int32(e))
                    }
                }
            }
        }
        let weightsTensor = returnWeights ? Tensor(shape: [b, heads, lq, lk], storage: probabilities) : nil
        let result = recording(output, inputs: [query, key, value]) { g in
            let pg = g.storage.pointer
            let dq = TensorStorage(uninitializedCount: b * lq * e)
            let dk = TensorStorage(uninitializedCount: b * lk * e)
            let dv = TensorStorage(uninitializedCount: b * lk * e)
            BLASThreads.single {
                Parallel.forEachChunk(pairs, costPerItem: block * dh * 8) { range in
                    let scratch = TensorStorage(uninitializedCount: block)
                    let dropped = dropMask.map { _ in TensorStorage(uninitializedCount: block) }
                    for pair in range {
                        let bi = pair / heads, h = pair % heads
                        let qOffset = bi * lq * e + h * dh, kOffset = bi * lk * e + h * dh
                        let p = probabilities.pointer + pair * block
                        let go = pg + qOffset
                        var weights = UnsafePointer(p)
                        if let dropMask, let dropped {
                            let mp = dropMask.pointer + pair * block
                            for j in 0..<block { dropped.pointer[j] = p[j] * mp[j] }
                            weights = UnsafePointer(dropped.pointer)
                        }
                        // dV = dropout(P)ᵀ dO
                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(lk), Int32(dh), Int32(lq),
                                    1, weights, Int32(lk), go, Int32(e), 0, dv.pointer + kOffset, Int32(e))
                        // dP = dO Vᵀ (then through the dropout mask)
                        let dp = scratch.pointer
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(lq), Int32(lk), Int32(dh),
                                    1, go, Int32(e), pv + kOffset, Int32(e), 0, dp, Int32(lk))
                        if let dropMask {
                            let mp = dropMask.pointer + pair * block
                            for j in 0..<block { dp[j] *= mp[j] }
                        }
                        // dS = P ⊙ (dP - Σ_j dP ⊙ P) · scale
                        for i in 0..<lq {
                            let pr = p + i * lk, dr = dp + i * lk
                            var dot: Float = 0
                            for j in 0..<lk { dot += pr[j] * dr[j] }
                            for j in 0..<lk { dr[j] = pr[j] * (dr[j] - dot) * alpha }
                        }
                        // dQ = dS K, dK = dSᵀ Q
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(lq), Int32(dh), Int32(lk),
                                    1, dp, Int32(lk), pk + kOffset, Int32(e), 0, dq.pointer + qOffset, Int32(e))
                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(lk), Int32(dh), Int32(lq),
                                    1, dp, Int32(lk), pq + qOffset, Int32(e), 0, dk.pointer + kOffset, Int32(e))
                    }
                }
            }
            return [query.requiresGrad ? Tensor(shape: [b, lq, e], storage: dq) : nil,
                    key.requiresGrad ? Tensor(shape: [b, lk, e], storage: dk) : nil,
                    value.requiresGrad ? Tensor(shape: [b, lk, e], storage: dv) : nil]
        }
        return (result, weightsTensor)
    }
}

/// In-place numerically stable softmax of one contiguous row; an all -infinity row
/// becomes zeros.
@inline(__always)
func softmaxRow(_ row: UnsafeMutablePointer<Float>, _ n: Int) {
    var m = -Float.infinity
    for j in 0..<n { m = Swift.max(m, row[j]) }
    if m == -.infinity {
        for j in 0..<n { row[j] = 0 }
        return
    }
    var total: Float = 0
    for j in 0..<n { let x = Foundation.exp(row[j] - m); row[j] = x; total += x }
    let inv = 1 / total
    for j in 0..<n { row[j] *= inv }
}

/// OpenBLAS thread control for regions that already run one GEMM per core.
public enum BLASThreads {
    /// Runs `body` with BLAS limited to one thread, restoring the count afterwards.
    /// Only the engine's compute thread calls BLAS, so the switch is safe.
    public static func single<R>(_ body: () throws -> R) rethrows -> R {
        #if canImport(Accelerate)
        return try body()
        #else
        let previous = openblas_get_num_threads()
        if previous == 1 { return try body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(previous) }
        return try body()
        #endif
    }
}
