import Foundation
import Tensors

/// The relative positions of DeBERTa's disentangled attention (`transformers`
/// `make_log_bucket_position` / `build_relative_position`, `modeling_deberta_v2.py`).
///
/// The relative position of query i to key j is δ = i − j. With `bucketCount` b > 0 and
/// `maxPosition` m > 0 it is bucketed: with h = b / 2, distances |δ| ≤ h stay exact, longer
/// ones are compressed logarithmically,
///
/// ```
/// bucket(δ) = δ                                                        if |δ| ≤ h
///           = sign(δ) · (⌈ ln(|δ| / h) / ln((m − 1) / h) · (h − 1) ⌉ + h)  otherwise
/// ```
/// computed in Float32 as PyTorch does (so ties at bucket borders round alike).
public enum RelativePositions {
    /// bucket(δ) as above; δ itself when `bucketCount` or `maxPosition` is ≤ 0.
    public static func bucket(_ delta: Int, bucketCount: Int, maxPosition: Int) -> Int {
        guard bucketCount > 0 && maxPosition > 0 else { return delta }
        let mid = bucketCount / 2
        let absolute = (delta < mid && delta > -mid) ? mid - 1 : abs(delta)
        if absolute <= mid { return delta }
        let ratio = Float(absolute) / Float(mid)
        let base = Float(Float(maxPosition - 1) / Float(mid))
        let scaled = Float(logf(ratio) / logf(base)) * Float(mid - 1)
        let logPosition = Int(scaled.rounded(.up)) + mid
        return delta > 0 ? logPosition : -logPosition
    }

    /// [L·L] row-major: bucket(i − j) for query i and key j of a sequence of `length`.
    public static func matrix(length: Int, bucketCount: Int, maxPosition: Int) -> [Int] {
        var cache: [Int: Int] = [:]
        var result = [Int](repeating: 0, count: length * length)
        for i in 0..<length {
            for j in 0..<length {
                let delta = i - j
                if let known = cache[delta] {
                    result[i * length + j] = known
                } else {
                    let value = bucket(delta, bucketCount: bucketCount, maxPosition: maxPosition)
                    cache[delta] = value
                    result[i * length + j] = value
                }
            }
        }
        return result
    }

    /// The rows of the relative embedding table the content-to-position term reads for query
    /// i and key j: clamp(r(i, j) + k, 0, 2k − 1), [L·L] row-major, k = `span`.
    static func contentToPositionIndex(_ relative: [Int], span: Int) -> [Int] {
        relative.map { Swift.min(Swift.max($0 + span, 0), 2 * span - 1) }
    }

    /// The rows the position-to-content term reads for key j (row) and query i (column):
    /// clamp(−r(j, i) + k, 0, 2k − 1), [L·L] row-major.
    static func positionToContentIndex(_ relative: [Int], span: Int) -> [Int] {
        relative.map { Swift.min(Swift.max(-$0 + span, 0), 2 * span - 1) }
    }
}

extension Tensor {
    /// Picks one entry of the last axis per (row, column) of a square L × L table:
    /// for `self` [N, L, P] and `index` [L·L] (row-major, entries in 0..<P),
    ///
    /// ```
    /// out[n, i, j] = self[n, i, index[i·L + j]]          (transposed: false)
    /// out[n, i, j] = self[n, j, index[j·L + i]]          (transposed: true)
    /// ```
    /// giving [N, L, L] (`torch.gather(dim=-1)`, optionally followed by `.transpose(-1, -2)`).
    /// The backward scatters the gradient back (sums where entries repeat).
    func gatheringRelative(_ index: [Int], transposed: Bool) -> Tensor {
        precondition(rank == 3 && index.count == shape[1] * shape[1],
                     "gatheringRelative: \(shape) with \(index.count) indices")
        let n = shape[0], length = shape[1], span = shape[2]
        let source = self
        let out = Tensor(shape: [n, length, length]) { output in
            source.withUnsafeBufferPointer { input in
                index.withUnsafeBufferPointer { index in
                    for batch in 0..<n {
                        let inBase = batch * length * span, outBase = batch * length * length
                        for i in 0..<length {
                            for j in 0..<length {
                                let (row, column) = transposed ? (j, i) : (i, j)
                                output[outBase + i * length + j] = input[inBase + row * span + index[row * length + column]]
                            }
                        }
                    }
                }
            }
        }
        return Tensor.recording(out, inputs: [source]) { gradient in
            let result = Tensor(shape: [n, length, span]) { sink in
                for position in 0..<sink.count { sink[position] = 0 }
                gradient.withUnsafeBufferPointer { g in
                    for batch in 0..<n {
                        let inBase = batch * length * span, outBase = batch * length * length
                        for i in 0..<length {
                            for j in 0..<length {
                                let (row, column) = transposed ? (j, i) : (i, j)
                                sink[inBase + row * span + index[row * length + column]] += g[outBase + i * length + j]
                            }
                        }
                    }
                }
            }
            return [result]
        }
    }
}
