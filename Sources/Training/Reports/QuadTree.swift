import Foundation

/// A point-region quadtree over 2-D points, holding each cell's point count and centre of
/// mass, for the Barnes-Hut repulsive forces of `TSNE`.
struct QuadTree {
    struct Node {
        var centerX: Double
        var centerY: Double
        var halfWidth: Double
        var massX = 0.0
        var massY = 0.0
        var count = 0
        /// Index of the first of four children, or -1 for a leaf.
        var firstChild = -1
        /// The point a leaf holds (its position), when count > 0.
        var pointX = 0.0
        var pointY = 0.0
    }

    var nodes: [Node] = []
    /// Below this half-width, coincident points share a leaf instead of splitting forever.
    let minimumHalfWidth: Double

    /// Builds the tree over (x₀, y₀, x₁, y₁, …).
    init(points: [Double]) {
        var minimumX = Double.infinity, maximumX = -Double.infinity
        var minimumY = Double.infinity, maximumY = -Double.infinity
        for index in stride(from: 0, to: points.count, by: 2) {
            minimumX = min(minimumX, points[index]); maximumX = max(maximumX, points[index])
            minimumY = min(minimumY, points[index + 1]); maximumY = max(maximumY, points[index + 1])
        }
        let halfWidth = max(maximumX - minimumX, maximumY - minimumY, 1e-12) / 2 * (1 + 1e-6)
        minimumHalfWidth = halfWidth * 1e-12
        nodes.reserveCapacity(points.count * 2)
        nodes.append(Node(centerX: (minimumX + maximumX) / 2, centerY: (minimumY + maximumY) / 2, halfWidth: halfWidth))
        for index in stride(from: 0, to: points.count, by: 2) {
            insert(x: points[index], y: points[index + 1])
        }
    }

    mutating func insert(x: Double, y: Double) {
        var current = 0
        while true {
            let node = nodes[current]
            // Update the cell's mass on the way down.
            nodes[current].massX = (node.massX * Double(node.count) + x) / Double(node.count + 1)
            nodes[current].massY = (node.massY * Double(node.count) + y) / Double(node.count + 1)
            nodes[current].count += 1
            if node.firstChild < 0 {
                if node.count == 0 {
                    nodes[current].pointX = x
                    nodes[current].pointY = y
                    return
                }
                if node.halfWidth < minimumHalfWidth || (node.pointX == x && node.pointY == y) {
                    return  // duplicates stay together in this leaf
                }
                split(current)
                // Push the existing point one level down.
                let child = childIndex(of: current, x: node.pointX, y: node.pointY)
                nodes[child].massX = node.pointX
                nodes[child].massY = node.pointY
                nodes[child].pointX = node.pointX
                nodes[child].pointY = node.pointY
                nodes[child].count = node.count
            }
            current = childIndex(of: current, x: x, y: y)
        }
    }

    mutating func split(_ index: Int) {
        let node = nodes[index]
        let quarter = node.halfWidth / 2
        nodes[index].firstChild = nodes.count
        for (dx, dy) in [(-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0)] {
            nodes.append(Node(centerX: node.centerX + dx * quarter, centerY: node.centerY + dy * quarter, halfWidth: quarter))
        }
    }

    func childIndex(of index: Int, x: Double, y: Double) -> Int {
        let node = nodes[index]
        let offset = (x >= node.centerX ? 1 : 0) + (y >= node.centerY ? 2 : 0)
        return node.firstChild + offset
    }

    /// Σⱼ wᵢⱼ² (yᵢ − yⱼ) and Σⱼ wᵢⱼ for the point (x, y), excluding the point itself
    /// (zero distance contributes nothing to the force; its weight 1 is subtracted).
    func repulsion(x: Double, y: Double, thetaSquared: Double) -> (Double, Double, Double) {
        var forceX = 0.0, forceY = 0.0, sum = 0.0
        var stack = [0]
        while let index = stack.popLast() {
            let node = nodes[index]
            if node.count == 0 { continue }
            let dx = x - node.massX
            let dy = y - node.massY
            let squaredDistance = dx * dx + dy * dy
            let width = 2 * node.halfWidth
            if node.firstChild < 0 || width * width < thetaSquared * squaredDistance {
                if squaredDistance == 0 && node.firstChild < 0 {
                    // The point itself (and exact duplicates): zero force; the duplicates' weight counts.
                    sum += Double(node.count - 1)
                    continue
                }
                let weight = 1 / (1 + squaredDistance)
                let mass = Double(node.count)
                sum += mass * weight
                forceX += mass * weight * weight * dx
                forceY += mass * weight * weight * dy
            } else {
                for child in node.firstChild..<(node.firstChild + 4) { stack.append(child) }
            }
        }
        return (forceX, forceY, sum)
    }
}
