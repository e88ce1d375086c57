import Foundation
import Tensors
import Testing
@testable import Training

/// t-SNE: affinities and the exact gradient against scikit-learn's internals
/// (Tests/Fixtures/generate/tsne.py), and cluster preservation on Gaussian blobs.
/// Tolerances: joint P 1e-6 absolute (scikit-learn searches on float32 distances),
/// gradient 1e-5 absolute.
@Suite struct TSNETests {
    @Test func jointProbabilitiesMatchScikitLearn() throws {
        let fixture = try ReportFixture.json("tsne", "tsne.json")
        let points = ReportFixture.matrix(fixture["points"])
        let expected = ReportFixture.matrix(fixture["joint"])
        let joint = TSNE.jointProbabilities(points, perplexity: ReportFixture.double(fixture["perplexity"]),
                                            neighbours: points.count - 1).dense(count: points.count)
        var largest = 0.0
        for row in 0..<points.count {
            for column in 0..<points.count where row != column {
                largest = max(largest, abs(joint[row * points.count + column] - expected[row][column]))
            }
        }
        #expect(largest < 1e-6, "largest difference \(largest)")
        #expect(abs(joint.reduce(0, +) - 1) < 1e-9)
    }

    @Test func exactGradientMatchesScikitLearn() throws {
        let fixture = try ReportFixture.json("tsne", "tsne.json")
        let joint = ReportFixture.matrix(fixture["joint"]).flatMap { $0 }
        let embedding = ReportFixture.matrix(fixture["embedding"]).flatMap { $0 }
        for (exaggeration, key) in [(1.0, "gradient"), (12.0, "gradient_exaggerated")] {
            var gradient = [Double](repeating: 0, count: embedding.count)
            TSNE.exactGradient(probabilities: joint, embedding: embedding, exaggeration: exaggeration, into: &gradient)
            let expected = ReportFixture.doubles(fixture[key])
            #expect(expected.count == gradient.count)
            let largest = zip(gradient, expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(largest < 1e-5, "\(key): largest difference \(largest)")
        }
    }

    @Test func barnesHutGradientApproachesTheExactOne() {
        var generator = RandomGenerator(seed: 3)
        let count = 200
        let points = (0..<count).map { _ in (0..<6).map { _ in Double(generator.nextNormal()) } }
        let affinities = TSNE.jointProbabilities(points, perplexity: 10, neighbours: count - 1)
        let embedding = (0..<(2 * count)).map { _ in Double(generator.nextNormal()) * 3 }
        var exact = [Double](repeating: 0, count: 2 * count)
        var approximate = exact
        var precise = exact
        TSNE.exactGradient(probabilities: affinities.dense(count: count), embedding: embedding, exaggeration: 1, into: &exact)
        TSNE.barnesHutGradient(affinities: affinities, embedding: embedding, exaggeration: 1, theta: 0.5, into: &approximate)
        TSNE.barnesHutGradient(affinities: affinities, embedding: embedding, exaggeration: 1, theta: 0, into: &precise)
        let scale = exact.map(abs).max() ?? 1
        // θ = 0 opens every cell: the exact gradient up to rounding; θ = 0.5 within a few percent.
        #expect((zip(precise, exact).map { abs($0 - $1) }.max() ?? 1) < 1e-9 * max(scale, 1))
        #expect((zip(approximate, exact).map { abs($0 - $1) }.max() ?? 1) < 0.05 * scale)
    }

    /// `clusters` Gaussian blobs of `size` points in `dimensions`-D, centres 10 apart.
    static func blobs(clusters: Int, size: Int, dimensions: Int, seed: UInt64) -> (points: [[Double]], labels: [Int]) {
        var generator = RandomGenerator(seed: seed)
        let centres = (0..<clusters).map { _ in (0..<dimensions).map { _ in Double(generator.nextNormal()) * 6 } }
        var points: [[Double]] = []
        var labels: [Int] = []
        for cluster in 0..<clusters {
            for _ in 0..<size {
                points.append(centres[cluster].map { $0 + Double(generator.nextNormal()) })
                labels.append(cluster)
            }
        }
        return (points, labels)
    }

    static func squaredDistances(_ points: [[Double]]) -> [[Double]] {
        points.map { a in points.map { b in zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } } }
    }

    /// Leave-one-out k-nearest-neighbour accuracy in the embedding.
    static func neighbourAccuracy(_ embedding: [[Double]], labels: [Int], k: Int = 5) -> Double {
        let distances = squaredDistances(embedding)
        var correct = 0
        for row in embedding.indices {
            let nearest = embedding.indices.filter { $0 != row }.sorted { distances[row][$0] < distances[row][$1] }.prefix(k)
            var votes: [Int: Int] = [:]
            for index in nearest { votes[labels[index], default: 0] += 1 }
            if votes.max(by: { $0.value < $1.value })?.key == labels[row] { correct += 1 }
        }
        return Double(correct) / Double(embedding.count)
    }

    /// Trustworthiness (Venna & Kaski 2001; scikit-learn's `trustworthiness`):
    /// 1 − 2 / (n k (2n − 3k − 1)) Σᵢ Σ_{j ∈ embedded kNN(i)} max(0, r(i, j) − k).
    static func trustworthiness(original: [[Double]], embedding: [[Double]], k: Int = 5) -> Double {
        let count = original.count
        let high = squaredDistances(original)
        let low = squaredDistances(embedding)
        var penalty = 0.0
        for row in 0..<count {
            let order = (0..<count).filter { $0 != row }.sorted { high[row][$0] < high[row][$1] }
            var rank = [Int](repeating: 0, count: count)
            for (position, index) in order.enumerated() { rank[index] = position + 1 }
            let nearest = (0..<count).filter { $0 != row }.sorted { low[row][$0] < low[row][$1] }.prefix(k)
            for index in nearest { penalty += Double(max(0, rank[index] - k)) }
        }
        let n = Double(count), kk = Double(k)
        return 1 - 2 / (n * kk * (2 * n - 3 * kk - 1)) * penalty
    }

    @Test func exactEmbeddingKeepsGaussianClustersApart() {
        let (points, labels) = Self.blobs(clusters: 4, size: 40, dimensions: 10, seed: 1)
        let embedding = TSNE(seed: 7).embed(points)
        #expect(embedding.count == points.count && embedding.allSatisfy { $0.count == 2 && $0[0].isFinite && $0[1].isFinite })
        let accuracy = Self.neighbourAccuracy(embedding, labels: labels)
        let trust = Self.trustworthiness(original: points, embedding: embedding)
        #expect(accuracy >= 0.95, "kNN accuracy \(accuracy)")
        #expect(trust >= 0.9, "trustworthiness \(trust)")
        // Seeded: the same seed gives the same embedding.
        #expect(TSNE(seed: 7).embed(points) == embedding)
    }

    @Test func barnesHutEmbeddingKeepsGaussianClustersApart() {
        let (points, labels) = Self.blobs(clusters: 3, size: 100, dimensions: 8, seed: 2)
        var tsne = TSNE(seed: 1)
        tsne.method = .barnesHut(theta: 0.5)
        let embedding = tsne.embed(points)
        let accuracy = Self.neighbourAccuracy(embedding, labels: labels)
        let trust = Self.trustworthiness(original: points, embedding: embedding)
        #expect(accuracy >= 0.95, "kNN accuracy \(accuracy)")
        #expect(trust >= 0.9, "trustworthiness \(trust)")
    }

    @Test func embedsATensorAndSeparatesClusterMeans() {
        let (points, labels) = Self.blobs(clusters: 2, size: 30, dimensions: 5, seed: 4)
        let tensor = Tensor(shape: [60, 5], scalars: points.flatMap { $0.map(Float.init) })
        let embedding = TSNE(seed: 0).embed(tensor)
        // The two cluster centroids lie further apart than the clusters' own spread.
        func centroid(_ label: Int) -> [Double] {
            let members = embedding.indices.filter { labels[$0] == label }.map { embedding[$0] }
            return [members.map { $0[0] }.reduce(0, +) / Double(members.count), members.map { $0[1] }.reduce(0, +) / Double(members.count)]
        }
        let (a, b) = (centroid(0), centroid(1))
        let between = ((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1])).squareRoot()
        let spread = embedding.indices.map { row -> Double in
            let c = labels[row] == 0 ? a : b
            return ((embedding[row][0] - c[0]) * (embedding[row][0] - c[0]) + (embedding[row][1] - c[1]) * (embedding[row][1] - c[1])).squareRoot()
        }.max() ?? 0
        #expect(between > spread, "between \(between), spread \(spread)")
    }
}
