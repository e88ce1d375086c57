import Foundation
import Testing
@testable import NeuralNetwork

/// Loss values and input gradients against PyTorch (Tests/Fixtures/generate/losses.py),
/// and the fused kernels' backward rules against Float64 finite differences.
@Suite struct LossTests {
    static let fixture = Result { try TrainingFixtureFile(area: "losses", name: "losses") }

    static func cases(kind: String) throws -> [[String: Any]] {
        let fixture = try Self.fixture.get()
        let cases = fixture.record["cases"] as? [[String: Any]] ?? []
        return cases.filter { $0["kind"] as? String == kind }
    }

    static func reduction(_ record: [String: Any]) throws -> LossReduction {
        guard let name = record["reduction"] as? String, let reduction = LossReduction(rawValue: name) else {
            throw TrainingFixtureFile.Failure.malformed("case \(record["name"] ?? "?") has no valid reduction")
        }
        return reduction
    }

    static func leaf(_ name: Any?) throws -> Tensor {
        guard let name = name as? String else { throw TrainingFixtureFile.Failure.malformed("missing tensor name") }
        var tensor = try fixture.get().tensor(name).copy()
        tensor.requiresGrad = true
        return tensor
    }

    static func expected(_ name: Any?) throws -> Tensor {
        guard let name = name as? String else { throw TrainingFixtureFile.Failure.malformed("missing tensor name") }
        return try fixture.get().tensor(name)
    }

    static func constant(_ name: Any?) throws -> Tensor? {
        guard let name = name as? String else { return nil }
        return try fixture.get().tensor(name)
    }

    // MARK: PyTorch parity. Tolerance: 1e-5 relative + 1e-7 absolute unless stated.

    @Test func crossEntropyMatchesPyTorch() throws {
        let cases = try Self.cases(kind: "crossEntropy")
        #expect(cases.count == 9)
        for record in cases {
            let name = record["name"] as? String ?? "?"
            let logits = try Self.leaf(record["logits"])
            let loss = try CrossEntropyLoss(
                classWeights: try Self.constant(record["weights"]),
                ignoreIndex: record["ignoreIndex"] as? Int ?? -100,
                labelSmoothing: Float(record["labelSmoothing"] as? Double ?? 0),
                reduction: try Self.reduction(record)
            )(logits, targets: record["targets"] as? [Int] ?? [])
            expectAllClose(loss, try Self.expected(record["loss"]), relative: 1e-5, absolute: 1e-7, "\(name) loss")
            loss.backward(try Self.expected(record["upstream"]))
            expectAllClose(logits.grad, try Self.expected(record["gradLogits"]),
                        relative: 1e-5, absolute: 1e-7, "\(name) gradient")
        }
    }

    @Test func binaryCrossEntropyWithLogitsMatchesPyTorch() throws {
        let cases = try Self.cases(kind: "binaryCrossEntropyWithLogits")
        #expect(cases.count == 5)
        for record in cases {
            let name = record["name"] as? String ?? "?"
            let logits = try Self.leaf(record["logits"])
            let targets = try Self.leaf(record["targets"])
            let loss = try BinaryCrossEntropyWithLogitsLoss(
                weight: try Self.constant(record["weight"]),
                positiveWeight: try Self.constant(record["positiveWeight"]),
                reduction: try Self.reduction(record)
            )(logits, targets: targets)
            expectAllClose(loss, try Self.expected(record["loss"]), relative: 1e-5, absolute: 1e-7, "\(name) loss")
            #expect(loss.scalars.allSatisfy { $0.isFinite }, "\(name): saturated logits must stay finite")
            loss.backward(try Self.expected(record["upstream"]))
            expectAllClose(logits.grad, try Self.expected(record["gradLogits"]),
                        relative: 1e-5, absolute: 1e-7, "\(name) logit gradient")
            expectAllClose(targets.grad, try Self.expected(record["gradTargets"]),
                        relative: 1e-5, absolute: 1e-7, "\(name) target gradient")
        }
    }

    @Test func meanSquaredErrorMatchesPyTorch() throws {
        let cases = try Self.cases(kind: "meanSquaredError")
        #expect(cases.count == 3)
        for record in cases {
            let name = record["name"] as? String ?? "?"
            let predictions = try Self.leaf(record["predictions"])
            let targets = try Self.leaf(record["targets"])
            let loss = try MeanSquaredErrorLoss(reduction: try Self.reduction(record))(predictions, targets: targets)
            expectAllClose(loss, try Self.expected(record["loss"]), relative: 1e-5, absolute: 1e-7, "\(name) loss")
            loss.backward(try Self.expected(record["upstream"]))
            expectAllClose(predictions.grad, try Self.expected(record["gradPredictions"]),
                        relative: 1e-5, absolute: 1e-7, "\(name) prediction gradient")
            expectAllClose(targets.grad, try Self.expected(record["gradTargets"]),
                        relative: 1e-5, absolute: 1e-7, "\(name) target gradient")
        }
    }

    /// Reference: the float64 term-by-term implementation of Khosla et al. eq. 2 in the
    /// fixture script (cross-checked there against the SupContrast masked form).
    /// Tolerance 1e-4 relative + 1e-6 absolute: Float32 against a float64 reference, with
    /// similarities divided by temperatures down to 0.07.
    @Test func supervisedContrastiveMatchesReference() throws {
        let cases = try Self.cases(kind: "supervisedContrastive")
        #expect(cases.count == 3)
        for record in cases {
            let name = record["name"] as? String ?? "?"
            let features = try Self.leaf(record["features"])
            let loss = try SupervisedContrastiveLoss(
                temperature: Float(record["temperature"] as? Double ?? 0),
                reduction: try Self.reduction(record)
            )(features, labels: record["labels"] as? [Int] ?? [])
            expectAllClose(loss, try Self.expected(record["loss"]), relative: 1e-4, absolute: 1e-6, "\(name) loss")
            loss.backward(try Self.expected(record["upstream"]))
            expectAllClose(features.grad, try Self.expected(record["gradFeatures"]),
                        relative: 1e-4, absolute: 1e-6, "\(name) gradient")
        }
    }

    /// Reference: MoCo's logits + cross-entropy in float64 (fixture script).
    /// Tolerance 1e-4 relative + 1e-6 absolute (Float32 against float64, τ = 0.07).
    @Test func infoNCEMatchesReference() throws {
        let cases = try Self.cases(kind: "infoNCE")
        #expect(cases.count == 2)
        for record in cases {
            let name = record["name"] as? String ?? "?"
            let queries = try Self.leaf(record["queries"])
            let keys = try Self.leaf(record["keys"])
            let queue = try Self.leaf(record["queue"])
            let loss = try InfoNCELoss(
                temperature: Float(record["temperature"] as? Double ?? 0),
                reduction: try Self.reduction(record)
            )(queries: queries, keys: keys, queue: queue)
            expectAllClose(loss, try Self.expected(record["loss"]), relative: 1e-4, absolute: 1e-6, "\(name) loss")
            loss.backward(try Self.expected(record["upstream"]))
            expectAllClose(queries.grad, try Self.expected(record["gradQueries"]),
                        relative: 1e-4, absolute: 1e-6, "\(name) query gradient")
            expectAllClose(keys.grad, try Self.expected(record["gradKeys"]),
                        relative: 1e-4, absolute: 1e-6, "\(name) key gradient")
            #expect(queue.grad == nil, "\(name): the queue must not receive a gradient")
        }
    }

    // MARK: Finite differences of Float64 references (fused backward rules).

    /// Σ_i u_i ℓ_i (or u · reduced loss) of cross-entropy, in Float64.
    static func crossEntropyReference(
        logits: [Double], classes: Int, targets: [Int], weights: [Double], smoothing: Double,
        ignoreIndex: Int, reduction: LossReduction, upstream: [Double]
    ) -> Double {
        var losses: [Double] = []
        var denominator = 0.0
        for (i, target) in targets.enumerated() {
            let row = Array(logits[(i * classes)..<((i + 1) * classes)])
            let maximum = row.max() ?? 0
            let logSumExp = maximum + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - maximum) })
            if target == ignoreIndex { losses.append(0); continue }
            var loss = (1 - smoothing) * weights[target] * (logSumExp - row[target])
            for c in 0..<classes { loss += smoothing / Double(classes) * weights[c] * (logSumExp - row[c]) }
            losses.append(loss)
            denominator += weights[target]
        }
        switch reduction {
        case .none: return zip(losses, upstream).reduce(0) { $0 + $1.0 * $1.1 }
        case .sum: return upstream[0] * losses.reduce(0, +)
        case .mean: return upstream[0] * losses.reduce(0, +) / denominator
        }
    }

    /// Central differences of `function` at `point`, step 1e-6.
    static func numericalGradient(_ point: [Double], _ function: ([Double]) -> Double) -> [Float] {
        let step = 1e-6
        return point.indices.map { i in
            var plus = point, minus = point
            plus[i] += step
            minus[i] -= step
            return Float((function(plus) - function(minus)) / (2 * step))
        }
    }

    /// Tolerance 2e-4 relative + 2e-5 absolute: Float32 kernel against an exact Float64 derivative.
    @Test(arguments: [
        (LossReduction.mean, true, Float(0.1), -100),
        (LossReduction.sum, false, Float(0.25), -100),
        (LossReduction.none, true, Float(0), 2),
        (LossReduction.none, true, Float(0.3), -100),
        (LossReduction.mean, false, Float(0), 1),
    ])
    func crossEntropyGradientMatchesFiniteDifferences(
        reduction: LossReduction, weighted: Bool, smoothing: Float, ignoreIndex: Int
    ) throws {
        var generator = RandomGenerator(seed: 11)
        let samples = 6, classes = 4
        var logits = Tensor.randn([samples, classes], std: 2, generator: &generator)
        logits.requiresGrad = true
        let weights = Tensor.uniform([classes], low: 0.3, high: 2, generator: &generator)
        let targets = [0, 3, -100, 2, 1, 2]
        let upstream = reduction == .none
            ? Tensor.randn([samples], generator: &generator) : Tensor(scalar: 1.7)
        let loss = try CrossEntropyLoss(
            classWeights: weighted ? weights : nil, ignoreIndex: ignoreIndex,
            labelSmoothing: smoothing, reduction: reduction)(logits, targets: targets.map { $0 == -100 ? ignoreIndex : $0 })
        let reference: ([Double]) -> Double = { point in
            Self.crossEntropyReference(
                logits: point, classes: classes, targets: targets.map { $0 == -100 ? ignoreIndex : $0 },
                weights: weighted ? weights.scalars.map(Double.init) : Array(repeating: 1, count: classes),
                smoothing: Double(smoothing), ignoreIndex: ignoreIndex, reduction: reduction,
                upstream: upstream.scalars.map(Double.init))
        }
        let point = logits.scalars.map(Double.init)
        let weightedLoss = zip(loss.scalars, upstream.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(Swift.abs(weightedLoss - reference(point)) <= 1e-5 * Swift.max(1, Swift.abs(reference(point))))
        loss.backward(upstream)
        let expected = Tensor(shape: logits.shape, scalars: Self.numericalGradient(point, reference))
        expectAllClose(logits.grad, expected, relative: 2e-4, absolute: 2e-5, "cross-entropy \(reduction) gradient")
    }

    /// Σ u ℓ of BCE-with-logits in Float64; `values` = logits followed by targets.
    static func binaryCrossEntropyReference(
        _ values: [Double], count: Int, weight: [Double], positiveWeight: [Double],
        reduction: LossReduction, upstream: [Double]
    ) -> Double {
        var total = 0.0
        for i in 0..<count {
            let x = values[i], y = values[count + i]
            let softplus = Swift.max(-x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x)))
            let loss = weight[i] * ((1 - y) * x + (1 + (positiveWeight[i] - 1) * y) * softplus)
            total += (reduction == .none ? upstream[i] : upstream[0]) * loss
        }
        return reduction == .mean ? total / Double(count) : total
    }

    /// Tolerance 2e-4 relative + 2e-5 absolute (Float32 kernel against Float64 differences).
    @Test(arguments: [LossReduction.mean, .sum, .none])
    func binaryCrossEntropyGradientMatchesFiniteDifferences(reduction: LossReduction) throws {
        var generator = RandomGenerator(seed: 5)
        var logits = Tensor.randn([3, 4], std: 3, generator: &generator)
        var targets = Tensor.uniform([3, 4], generator: &generator)
        logits.requiresGrad = true
        targets.requiresGrad = true
        let weight = Tensor.uniform([3, 1], low: 0.5, high: 1.5, generator: &generator)
        let positiveWeight = Tensor([0.5, 1, 2, 4])
        let upstream = reduction == .none ? Tensor.randn([3, 4], generator: &generator) : Tensor(scalar: 0.8)
        let loss = try BinaryCrossEntropyWithLogitsLoss(
            weight: weight, positiveWeight: positiveWeight, reduction: reduction)(logits, targets: targets)
        let expandedWeight = (0..<12).map { Double(weight.scalars[$0 / 4]) }
        let expandedPositive = (0..<12).map { Double(positiveWeight.scalars[$0 % 4]) }
        let reference: ([Double]) -> Double = { point in
            Self.binaryCrossEntropyReference(
                point, count: 12, weight: expandedWeight, positiveWeight: expandedPositive,
                reduction: reduction, upstream: upstream.scalars.map(Double.init))
        }
        let point = (logits.scalars + targets.scalars).map(Double.init)
        let weightedLoss = zip(loss.scalars, upstream.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(Swift.abs(weightedLoss - reference(point)) <= 1e-5 * Swift.max(1, Swift.abs(reference(point))))
        loss.backward(upstream)
        let numeric = Self.numericalGradient(point, reference)
        expectAllClose(logits.grad, Tensor(shape: [3, 4], scalars: Array(numeric[0..<12])),
                    relative: 2e-4, absolute: 2e-5, "BCE \(reduction) logit gradient")
        expectAllClose(targets.grad, Tensor(shape: [3, 4], scalars: Array(numeric[12..<24])),
                    relative: 2e-4, absolute: 2e-5, "BCE \(reduction) target gradient")
    }

    // MARK: Edge cases and errors.

    @Test func crossEntropyRejectsBadTargetsAndShapes() {
        let logits = Tensor.zeros([2, 3])
        #expect(throws: LossError.self) { try CrossEntropyLoss()(logits, targets: [0, 3]) }
        #expect(throws: LossError.self) { try CrossEntropyLoss()(logits, targets: [0]) }
        #expect(throws: LossError.self) { try CrossEntropyLoss(classWeights: Tensor([1, 2]))(logits, targets: [0, 1]) }
        #expect(throws: LossError.self) { try CrossEntropyLoss()(Tensor.zeros([2, 3, 1]), targets: [0, 1]) }
        #expect(throws: LossError.self) {
            try BinaryCrossEntropyWithLogitsLoss(positiveWeight: Tensor([1, 2]))(logits, targets: Tensor.zeros([2, 3]))
        }
        #expect(throws: LossError.self) { try MeanSquaredErrorLoss()(logits, targets: Tensor.zeros([3, 2])) }
    }

    /// PyTorch returns NaN (0 / 0) for a mean over a batch whose every target is ignored.
    @Test func crossEntropyMeanOverOnlyIgnoredTargetsIsNaN() throws {
        let loss = try CrossEntropyLoss()(Tensor.ones([2, 3]), targets: [-100, -100])
        #expect(loss.item.isNaN)
        let total = try CrossEntropyLoss(reduction: .sum)(Tensor.ones([2, 3]), targets: [-100, -100])
        #expect(total.item == 0)
    }

    /// Uniform logits over C classes give log C: the weighted mean divides Σ w_y log C by
    /// Σ w_y, and smoothing mixes log C with log C. With both, the smoothing term carries
    /// Σ_c w_c / C instead of w_y: (1 - ε) log C + ε (Σ_c w_c / C) log C · N / Σ w_y.
    @Test func crossEntropyOfUniformLogitsIsLogOfClassCount() throws {
        let logits = Tensor.zeros([3, 4]), targets = [1, -100, 3]
        let weighted = try CrossEntropyLoss(classWeights: Tensor([1, 3, 0.5, 2]))(logits, targets: targets)
        #expect(Swift.abs(weighted.item - Foundation.log(4)) < 1e-6)
        let smoothed = try CrossEntropyLoss(labelSmoothing: 0.2)(logits, targets: targets)
        #expect(Swift.abs(smoothed.item - Foundation.log(4)) < 1e-6)
        let both = try CrossEntropyLoss(classWeights: Tensor([1, 3, 0.5, 2]), labelSmoothing: 0.2)(logits, targets: targets)
        let expected = Foundation.log(Float(4)) * (0.8 + 0.2 * (6.5 / 4) * 2 / 5)
        #expect(Swift.abs(both.item - expected) < 1e-6)
    }

    @Test func supervisedContrastiveWithoutPositivesIsZero() throws {
        var generator = RandomGenerator(seed: 3)
        var features = Tensor.randn([4, 5], generator: &generator)
        features.requiresGrad = true
        let loss = try SupervisedContrastiveLoss()(features, labels: [0, 1, 2, 3])
        #expect(loss.item == 0)
        loss.backward()
        #expect(try #require(features.grad).scalars.allSatisfy { $0 == 0 })
        let perAnchor = try SupervisedContrastiveLoss(reduction: .none)(features, labels: [0, 1, 2, 3])
        #expect(perAnchor.scalars == [0, 0, 0, 0])
    }

    /// At τ = 0.005 a naive exp(z·z/τ) overflows Float32; the result must still match a
    /// Float64 evaluation of eq. 2 (tolerance 1e-3 relative: similarities carry Float32
    /// rounding multiplied by 1/τ = 200).
    @Test func supervisedContrastiveIsStableAtSmallTemperature() throws {
        var generator = RandomGenerator(seed: 8)
        let features = Tensor.randn([6, 3], generator: &generator)
        let labels = [0, 0, 1, 1, 2, 0]
        let temperature = 0.005
        let loss = try SupervisedContrastiveLoss(temperature: Float(temperature))(features, labels: labels)
        // Float64 reference.
        let rows = (0..<6).map { i -> [Double] in
            let row = (0..<3).map { Double(features[i, $0]) }
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return row.map { $0 / norm }
        }
        func similarity(_ i: Int, _ j: Int) -> Double { zip(rows[i], rows[j]).reduce(0) { $0 + $1.0 * $1.1 } / temperature }
        var total = 0.0, anchors = 0
        for i in 0..<6 {
            let positives = (0..<6).filter { $0 != i && labels[$0] == labels[i] }
            if positives.isEmpty { continue }
            let others = (0..<6).filter { $0 != i }.map { similarity(i, $0) }
            let maximum = others.max() ?? 0
            let logDenominator = maximum + Foundation.log(others.reduce(0) { $0 + Foundation.exp($1 - maximum) })
            total += -positives.reduce(0) { $0 + similarity(i, $1) - logDenominator } / Double(positives.count)
            anchors += 1
        }
        let expected = total / Double(anchors)
        #expect(loss.item.isFinite)
        #expect(Swift.abs(Double(loss.item) - expected) <= 1e-3 * Swift.abs(expected))
    }
}
