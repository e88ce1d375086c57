import Foundation
import Tensors

/// t-distributed stochastic neighbour embedding (van der Maaten & Hinton 2008, JMLR 9),
/// to draw high-dimensional representations (a model's fused vectors) in 2-D.
///
/// Follows scikit-learn's `TSNE` defaults (1.5+):
/// - affinities: squared Euclidean distances; per point a binary search on the Gaussian
///   precision βᵢ = 1/(2σᵢ²) until the conditional distribution's perplexity 2^H equals
///   `perplexity` (30; clamped below N − 1). Exact mode uses all pairs; Barnes-Hut uses
///   the k = min(N − 1, ⌊3·perplexity + 1⌋) nearest neighbours. P = (P_{j|i} + P_{i|j}) / Σ.
/// - initialisation: PCA to 2-D, scaled so the first coordinate has standard deviation 1e-4.
/// - optimisation: gradient descent with momentum 0.5 for the first 250 iterations under
///   early exaggeration 12 (P × 12), then momentum 0.8, for `iterations` (1000) in all;
///   per-coordinate gains (+0.2 when the gradient changes sign, ×0.8 otherwise, at least
///   0.01); learning rate max(N / 12 / 4, 50) ("auto").
/// - gradient ∂C/∂yᵢ = 4 Σⱼ (pᵢⱼ − qᵢⱼ) (1 + ‖yᵢ − yⱼ‖²)⁻¹ (yᵢ − yⱼ), exact for N ≤
///   `exactLimit` (1000), else Barnes-Hut (van der Maaten 2014, JMLR 15) with a quadtree
///   and θ = 0.5.
/// - seeded: the only randomness is a tiny seeded jitter that breaks exact ties in the
///   PCA start, so the same input and seed give the same embedding.
public struct TSNE: Sendable {
    /// How the gradient is computed.
    public enum Method: Sendable, Equatable {
        /// Exact O(N²) gradient up to `exactLimit` points, Barnes-Hut above.
        case automatic
        /// Always exact.
        case exact
        /// Always Barnes-Hut with the given θ.
        case barnesHut(theta: Double)
    }

    /// Target perplexity (effective number of neighbours).
    public var perplexity: Double = 30
    /// Early exaggeration factor.
    public var earlyExaggeration: Double = 12
    /// Iterations under early exaggeration.
    public var exaggerationIterations: Int = 250
    /// Total iterations.
    public var iterations: Int = 1000
    /// The gradient method.
    public var method: Method = .automatic
    /// The largest N embedded exactly under `.automatic`.
    public var exactLimit: Int = 1000
    /// The seed.
    public var seed: UInt64 = 0

    /// A t-SNE with scikit-learn's defaults and the given seed.
    public init(seed: UInt64 = 0) {
        self.seed = seed
    }

    /// Embeds the rows of `points` ([N, D], N ≥ 2) into 2-D; returns N pairs (x, y).
    public func embed(_ points: Tensor) -> [[Double]] {
        precondition(points.rank == 2 && points.shape[0] >= 2, "TSNE.embed: expected [N, D] with N ≥ 2, got \(points.shape)")
        let rows = points.shape[0]
        let width = points.shape[1]
        let scalars = points.scalars
        let data = (0..<rows).map { row in (0..<width).map { Double(scalars[row * width + $0]) } }
        return embed(data)
    }

    /// Embeds `points` (N rows of equal length, N ≥ 2) into 2-D; returns N pairs (x, y).
    public func embed(_ points: [[Double]]) -> [[Double]] {
        let count = points.count
        precondition(count >= 2, "TSNE.embed: need at least two points")
        let useExact: Bool
        var theta = 0.5
        switch method {
        case .automatic: useExact = count <= exactLimit
        case .exact: useExact = true
        case .barnesHut(let chosen):
            useExact = false
            theta = chosen
        }
        let effectivePerplexity = min(perplexity, Double(count - 1) / 3)
        let affinities: SparseAffinities
        if useExact {
            affinities = Self.jointProbabilities(points, perplexity: effectivePerplexity, neighbours: count - 1)
        } else {
            let neighbours = min(count - 1, Int(3 * effectivePerplexity + 1))
            affinities = Self.jointProbabilities(points, perplexity: effectivePerplexity, neighbours: neighbours)
        }
        var embedding = Self.principalComponents(points, seed: seed)
        let learningRate = max(Double(count) / earlyExaggeration / 4, 50)
        var update = [Double](repeating: 0, count: count * 2)
        var gains = [Double](repeating: 1, count: count * 2)
        var gradient = [Double](repeating: 0, count: count * 2)
        let dense = useExact ? affinities.dense(count: count) : []
        for iteration in 0..<iterations {
            let exaggeration = iteration < exaggerationIterations ? earlyExaggeration : 1
            let momentum = iteration < exaggerationIterations ? 0.5 : 0.8
            if useExact {
                Self.exactGradient(probabilities: dense, embedding: embedding, exaggeration: exaggeration, into: &gradient)
            } else {
                Self.barnesHutGradient(affinities: affinities, embedding: embedding, exaggeration: exaggeration,
                                       theta: theta, into: &gradient)
            }
            for index in 0..<(count * 2) {
                let grows = update[index] * gradient[index] < 0
                gains[index] = max(grows ? gains[index] + 0.2 : gains[index] * 0.8, 0.01)
                update[index] = momentum * update[index] - learningRate * gains[index] * gradient[index]
                embedding[index] += update[index]
            }
        }
        return (0..<count).map { [embedding[2 * $0], embedding[2 * $0 + 1]] }
    }

    // MARK: - Affinities

    /// Symmetric joint probabilities over neighbour lists (all other points in exact mode).
    struct SparseAffinities {
        /// neighbours[i] lists (j, pᵢⱼ) with pᵢⱼ > 0; symmetric.
        var neighbours: [[(index: Int, probability: Double)]]

        func dense(count: Int) -> [Double] {
            var matrix = [Double](repeating: 0, count: count * count)
            for (row, list) in neighbours.enumerated() {
                for entry in list { matrix[row * count + entry.index] = entry.probability }
            }
            return matrix
        }
    }

    static func jointProbabilities(_ points: [[Double]], perplexity: Double, neighbours: Int) -> SparseAffinities {
        let count = points.count
        var conditional = [[(index: Int, probability: Double)]](repeating: [], count: count)
        let queue = DispatchQueue(label: "tsne.affinities")
        DispatchQueue.concurrentPerform(iterations: count) { row in
            var distances: [(index: Int, distance: Double)] = []
            distances.reserveCapacity(count - 1)
            for other in 0..<count where other != row {
                var sum = 0.0
                for (left, right) in zip(points[row], points[other]) { sum += (left - right) * (left - right) }
                distances.append((other, sum))
            }
            if neighbours < count - 1 {
                distances.sort { $0.distance < $1.distance }
                distances.removeLast(distances.count - neighbours)
            }
            let probabilities = conditionalProbabilities(distances: distances.map(\.distance), perplexity: perplexity)
            let list = zip(distances, probabilities).map { (index: $0.index, probability: $1) }
            queue.sync { conditional[row] = list }
        }
        var symmetric = [[Int: Double]](repeating: [:], count: count)
        var total = 0.0
        for (row, list) in conditional.enumerated() {
            for entry in list {
                symmetric[row][entry.index, default: 0] += entry.probability
                symmetric[entry.index][row, default: 0] += entry.probability
                total += 2 * entry.probability
            }
        }
        let minimum = Double.ulpOfOne
        let lists = symmetric.map { dictionary in
            dictionary.keys.sorted().map { (index: $0, probability: max(dictionary[$0, default: 0] / total, minimum)) }
        }
        return SparseAffinities(neighbours: lists)
    }

    /// P_{j|i} ∝ exp(−β dᵢⱼ) with β found by binary search so that the entropy H (in
    /// nats) equals log(perplexity), as scikit-learn's `_binary_search_perplexity`
    /// (100 steps, tolerance 1e-5).
    static func conditionalProbabilities(distances: [Double], perplexity: Double) -> [Double] {
        let target = log(perplexity)
        var beta = 1.0
        var betaMinimum = -Double.infinity
        var betaMaximum = Double.infinity
        var probabilities = [Double](repeating: 0, count: distances.count)
        for _ in 0..<100 {
            var sum = 0.0
            for index in distances.indices {
                probabilities[index] = exp(-distances[index] * beta)
                sum += probabilities[index]
            }
            if sum == 0 { sum = 1e-8 }
            var weightedDistance = 0.0
            for index in distances.indices {
                probabilities[index] /= sum
                weightedDistance += distances[index] * probabilities[index]
            }
            let entropy = log(sum) + beta * weightedDistance
            let difference = entropy - target
            if abs(difference) <= 1e-5 { break }
            if difference > 0 {
                betaMinimum = beta
                beta = betaMaximum == .infinity ? beta * 2 : (beta + betaMaximum) / 2
            } else {
                betaMaximum = beta
                beta = betaMinimum == -.infinity ? beta / 2 : (beta + betaMinimum) / 2
            }
        }
        return probabilities
    }

    // MARK: - Initialisation

    /// The first two principal components of `points` (power iteration with deflation on
    /// the covariance), scaled to standard deviation 1e-4 along the first axis; a seeded
    /// 1e-10 jitter keeps coincident points apart. Returns x₀, y₀, x₁, y₁, ….
    static func principalComponents(_ points: [[Double]], seed: UInt64) -> [Double] {
        let count = points.count
        let width = points[0].count
        var mean = [Double](repeating: 0, count: width)
        for point in points { for index in 0..<width { mean[index] += point[index] / Double(count) } }
        let centered = points.map { point in (0..<width).map { point[$0] - mean[$0] } }
        var covariance = [Double](repeating: 0, count: width * width)
        for point in centered {
            for row in 0..<width where point[row] != 0 {
                for column in 0..<width { covariance[row * width + column] += point[row] * point[column] }
            }
        }
        var generator = RandomGenerator(seed: seed)
        var components: [[Double]] = []
        for _ in 0..<2 {
            var vector = (0..<width).map { _ in Double(generator.nextNormal()) }
            for _ in 0..<300 {
                var next = [Double](repeating: 0, count: width)
                for row in 0..<width {
                    var sum = 0.0
                    for column in 0..<width { sum += covariance[row * width + column] * vector[column] }
                    next[row] = sum
                }
                for component in components {
                    let projection = zip(next, component).reduce(0) { $0 + $1.0 * $1.1 }
                    for index in 0..<width { next[index] -= projection * component[index] }
                }
                let norm = next.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm == 0 { break }
                vector = next.map { $0 / norm }
            }
            components.append(vector)
        }
        var embedding = [Double](repeating: 0, count: count * 2)
        for (row, point) in centered.enumerated() {
            for axis in 0..<2 {
                embedding[2 * row + axis] = zip(point, components[axis]).reduce(0) { $0 + $1.0 * $1.1 }
            }
        }
        let firstAxis = (0..<count).map { embedding[2 * $0] }
        let firstMean = firstAxis.reduce(0, +) / Double(count)
        let deviation = (firstAxis.reduce(0) { $0 + ($1 - firstMean) * ($1 - firstMean) } / Double(count)).squareRoot()
        let scale = deviation > 0 ? 1e-4 / deviation : 1
        for index in embedding.indices {
            embedding[index] = embedding[index] * scale + 1e-10 * Double(generator.nextNormal())
        }
        return embedding
    }

    // MARK: - Gradients

    /// The exact gradient of KL(P ‖ Q) with respect to the embedding (x₀, y₀, x₁, …):
    /// gᵢ = 4 Σⱼ (e·pᵢⱼ − qᵢⱼ) wᵢⱼ (yᵢ − yⱼ), wᵢⱼ = (1 + ‖yᵢ − yⱼ‖²)⁻¹,
    /// qᵢⱼ = max(wᵢⱼ / Σ_{k≠l} w_kl, ε), with e the exaggeration. `probabilities` is the
    /// dense symmetric N × N matrix P.
    static func exactGradient(probabilities: [Double], embedding: [Double], exaggeration: Double,
                              into gradient: inout [Double]) {
        let count = embedding.count / 2
        var weights = [Double](repeating: 0, count: count * count)
        var weightSum = 0.0
        for row in 0..<count {
            for column in (row + 1)..<max(count, row + 1) {
                let dx = embedding[2 * row] - embedding[2 * column]
                let dy = embedding[2 * row + 1] - embedding[2 * column + 1]
                let weight = 1 / (1 + dx * dx + dy * dy)
                weights[row * count + column] = weight
                weights[column * count + row] = weight
                weightSum += 2 * weight
            }
        }
        for row in 0..<count {
            var gx = 0.0
            var gy = 0.0
            for column in 0..<count where column != row {
                let weight = weights[row * count + column]
                let q = max(weight / weightSum, Double.ulpOfOne)
                let factor = (exaggeration * probabilities[row * count + column] - q) * weight
                gx += factor * (embedding[2 * row] - embedding[2 * column])
                gy += factor * (embedding[2 * row + 1] - embedding[2 * column + 1])
            }
            gradient[2 * row] = 4 * gx
            gradient[2 * row + 1] = 4 * gy
        }
    }

    /// The Barnes-Hut gradient: the attractive term over the sparse P exactly, the
    /// repulsive term Σⱼ wᵢⱼ² (yᵢ − yⱼ) / Z with far cells of the quadtree summarised by
    /// their centre of mass when (cell width / distance)² < θ².
    static func barnesHutGradient(affinities: SparseAffinities, embedding: [Double], exaggeration: Double,
                                  theta: Double, into gradient: inout [Double]) {
        let count = embedding.count / 2
        let tree = QuadTree(points: embedding)
        var repulsive = [Double](repeating: 0, count: count * 2)
        var partitionSums = [Double](repeating: 0, count: count)
        let chunks = min(count, 8)
        repulsive.withUnsafeMutableBufferPointer { repulsiveBuffer in
            partitionSums.withUnsafeMutableBufferPointer { sumBuffer in
                let repulsivePointer = repulsiveBuffer
                let sumPointer = sumBuffer
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    let start = chunk * count / chunks
                    let end = (chunk + 1) * count / chunks
                    for point in start..<end {
                        let (fx, fy, sum) = tree.repulsion(x: embedding[2 * point], y: embedding[2 * point + 1],
                                                           thetaSquared: theta * theta)
                        repulsivePointer[2 * point] = fx
                        repulsivePointer[2 * point + 1] = fy
                        sumPointer[point] = sum
                    }
                }
            }
        }
        let partition = max(partitionSums.reduce(0, +), Double.ulpOfOne)
        for point in 0..<count {
            var ax = 0.0
            var ay = 0.0
            for entry in affinities.neighbours[point] {
                let dx = embedding[2 * point] - embedding[2 * entry.index]
                let dy = embedding[2 * point + 1] - embedding[2 * entry.index + 1]
                let weight = 1 / (1 + dx * dx + dy * dy)
                ax += exaggeration * entry.probability * weight * dx
                ay += exaggeration * entry.probability * weight * dy
            }
            gradient[2 * point] = 4 * (ax - repulsive[2 * point] / partition)
            gradient[2 * point + 1] = 4 * (ay - repulsive[2 * point + 1] / partition)
        }
    }
}
