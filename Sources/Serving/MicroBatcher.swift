import Dispatch
import Foundation

/// Dynamic micro-batching: posts from concurrent requests wait in one queue and run through
/// the classifier together.
///
/// A batch starts when `maximumBatchSize` posts wait, or `maximumWaitMilliseconds` after the
/// first of them arrived, whichever comes first; while a batch runs, new posts queue and the
/// next batch starts as soon as it ends. One batch runs at a time, on a thread of its own
/// (never on the cooperative pool). More than `maximumQueueLength` waiting posts → 503
/// `queue_full`; a post not answered within `requestTimeoutMilliseconds` → 504 `timeout`.
actor MicroBatcher {
    typealias Outcome = Result<Prediction, ServingError>

    let classifier: any PostClassifier
    let options: BatchingOptions
    let metrics: ServerMetrics
    private let queue = DispatchQueue(label: "mmfusion.serving.classifier")
    private var pending: [(id: UInt64, post: RawPost)] = []
    private var waiters: [UInt64: CheckedContinuation<Prediction, any Error>] = [:]
    private var finished: [UInt64: Outcome] = [:]
    /// Posts whose caller stopped waiting while they ran: their results are dropped.
    private var abandoned: Set<UInt64> = []
    private var nextId: UInt64 = 0
    private var running = false
    private var runningIds: Set<UInt64> = []
    private var timerArmed = false
    /// Whether a classification has succeeded (the warm-up), so `/readyz` can say ready.
    private(set) var isReady = false

    init(classifier: any PostClassifier, options: BatchingOptions, metrics: ServerMetrics) {
        self.classifier = classifier
        self.options = options
        self.metrics = metrics
    }

    /// Posts waiting for a batch (not counting the batch running).
    var queueLength: Int { pending.count }

    /// Classifies `posts` through the queue; predictions in order.
    /// - Throws: `ServingError` 503 `queue_full`, 504 `timeout`, or 500 `inference_failed`.
    func predict(_ posts: [RawPost]) async throws -> [Prediction] {
        let ids = try enqueue(posts)
        var predictions: [Prediction] = []
        predictions.reserveCapacity(ids.count)
        do {
            for id in ids { predictions.append(try await result(for: id)) }
        } catch {
            discard(Array(ids.dropFirst(predictions.count + 1)))
            throw error
        }
        return predictions
    }

    /// Runs one classification directly (not through the queue) and marks the server ready.
    func warmUp(_ post: RawPost) async throws {
        _ = try await run([post]).get()
        isReady = true
    }

    private func enqueue(_ posts: [RawPost]) throws -> [UInt64] {
        guard pending.count + posts.count <= options.maximumQueueLength else {
            metrics.rejectedForQueue()
            throw ServingError(.serviceUnavailable, "queue_full",
                               "the server is at capacity (\(options.maximumQueueLength) posts waiting); retry shortly",
                               headers: [.retryAfter: "1"])
        }
        var ids: [UInt64] = []
        for post in posts {
            nextId += 1
            ids.append(nextId)
            pending.append((nextId, post))
            armTimeout(nextId)
        }
        metrics.queueDepth(pending.count)
        schedule()
        return ids
    }

    private func result(for id: UInt64) async throws -> Prediction {
        if let outcome = finished.removeValue(forKey: id) { return try outcome.get() }
        return try await withCheckedThrowingContinuation { continuation in
            waiters[id] = continuation
        }
    }

    private func deliver(_ outcome: Outcome, to id: UInt64) {
        if abandoned.remove(id) != nil || finished[id] != nil { return }
        if let waiter = waiters.removeValue(forKey: id) {
            waiter.resume(with: outcome.mapError { $0 as any Error })
        } else {
            finished[id] = outcome
        }
    }

    /// Forgets posts whose request gave up (an earlier post of the batch failed).
    private func discard(_ ids: [UInt64]) {
        let dropped = Set(ids)
        pending.removeAll { dropped.contains($0.id) }
        metrics.queueDepth(pending.count)
        for id in ids where finished.removeValue(forKey: id) == nil && waiters[id] == nil { abandoned.insert(id) }
    }

    private func armTimeout(_ id: UInt64) {
        let milliseconds = options.requestTimeoutMilliseconds
        Task { [weak self] in
            try? await Task.sleep(nanoseconds: UInt64(milliseconds) * 1_000_000)
            await self?.expire(id)
        }
    }

    private func expire(_ id: UInt64) {
        if finished[id] != nil || abandoned.contains(id) { return }
        let wasPending = pending.contains { $0.id == id }
        guard wasPending || waiters[id] != nil || runningIds.contains(id) else { return }
        pending.removeAll { $0.id == id }
        metrics.queueDepth(pending.count)
        let error = ServingError(.gatewayTimeout, "timeout",
                                 "no prediction within \(options.requestTimeoutMilliseconds) ms; the server is overloaded")
        if let waiter = waiters.removeValue(forKey: id) {
            if !wasPending { abandoned.insert(id) }
            waiter.resume(throwing: error)
        } else {
            finished[id] = .failure(error)
        }
    }

    private func schedule() {
        guard !running, !pending.isEmpty else { return }
        if pending.count >= options.maximumBatchSize || options.maximumWaitMilliseconds <= 0 {
            startBatch()
        } else if !timerArmed {
            timerArmed = true
            let milliseconds = options.maximumWaitMilliseconds
            Task { [weak self] in
                try? await Task.sleep(nanoseconds: UInt64(milliseconds) * 1_000_000)
                await self?.timerFired()
            }
        }
    }

    private func timerFired() {
        timerArmed = false
        if !running && !pending.isEmpty { startBatch() }
    }

    private func startBatch() {
        running = true
        let batch = Array(pending.prefix(options.maximumBatchSize))
        pending.removeFirst(batch.count)
        runningIds = Set(batch.map(\.id))
        metrics.queueDepth(pending.count)
        metrics.batch(size: batch.count)
        Task {
            let outcome = await run(batch.map(\.post))
            finish(batch.map(\.id), outcome)
        }
    }

    private func finish(_ ids: [UInt64], _ outcome: Result<[Prediction], ServingError>) {
        running = false
        runningIds = []
        switch outcome {
        case .success(let predictions):
            for (id, prediction) in zip(ids, predictions) { deliver(.success(prediction), to: id) }
            isReady = true
        case .failure(let error):
            for id in ids { deliver(.failure(error), to: id) }
        }
        if !pending.isEmpty { startBatch() }
    }

    /// Runs the classifier on the batching thread.
    private func run(_ posts: [RawPost]) async -> Result<[Prediction], ServingError> {
        let classifier = self.classifier
        let started = ContinuousClock.now
        let outcome: Result<[Prediction], ServingError> = await withCheckedContinuation { continuation in
            queue.async {
                do {
                    let predictions = try classifier.classify(posts)
                    guard predictions.count == posts.count else {
                        throw ServingSetupError("the classifier returned \(predictions.count) predictions for \(posts.count) posts")
                    }
                    continuation.resume(returning: .success(predictions))
                } catch {
                    continuation.resume(returning: .failure(ServingError(
                        .internalServerError, "inference_failed", "the model failed on this batch: \(error)")))
                }
            }
        }
        metrics.inference(seconds: (ContinuousClock.now - started).seconds)
        return outcome
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
