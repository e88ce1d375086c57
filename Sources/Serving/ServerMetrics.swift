import CoreMetrics
import Foundation
import Metrics
import struct Prometheus.PrometheusMetricsFactory
import class Prometheus.PrometheusCollectorRegistry

/// The server's Prometheus metrics (swift-metrics handles over a swift-prometheus registry
/// owned by the server, so several servers in one process keep separate counts):
///
/// - `mmfusion_http_requests_total{route, status}`: requests answered, by route and status.
/// - `mmfusion_http_request_duration_seconds{route}`: request latency histogram.
/// - `mmfusion_batch_size`: posts per classifier call (histogram).
/// - `mmfusion_inference_duration_seconds`: classifier call duration (histogram).
/// - `mmfusion_queue_depth`: posts waiting for a batch.
/// - `mmfusion_queue_rejections_total`: posts refused because the queue was full.
public final class ServerMetrics: Sendable {
    /// The registry `/metrics` prints.
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    let batchSizes: CoreMetrics.Recorder
    let inferenceTimer: CoreMetrics.Timer
    let depth: CoreMetrics.Gauge
    let rejections: CoreMetrics.Counter

    /// Metrics in a fresh registry.
    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets["mmfusion_batch_size"] = [1, 2, 4, 8, 16, 32, 64, 128, 256]
        let latencyBuckets: [Duration] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]
            .map { Duration.milliseconds($0) }
        factory.durationHistogramBuckets["mmfusion_http_request_duration_seconds"] = latencyBuckets
        factory.durationHistogramBuckets["mmfusion_inference_duration_seconds"] = latencyBuckets
        self.factory = factory
        batchSizes = CoreMetrics.Recorder(label: "mmfusion_batch_size", dimensions: [], aggregate: true, factory: factory)
        inferenceTimer = CoreMetrics.Timer(label: "mmfusion_inference_duration_seconds", dimensions: [], factory: factory)
        depth = CoreMetrics.Gauge(label: "mmfusion_queue_depth", dimensions: [], factory: factory)
        rejections = CoreMetrics.Counter(label: "mmfusion_queue_rejections_total", dimensions: [], factory: factory)
        depth.record(0)
    }

    /// Counts one answered request on `route` with `status` and its duration.
    func request(route: String, status: Int, seconds: Double) {
        CoreMetrics.Counter(label: "mmfusion_http_requests_total", dimensions: [("route", route), ("status", String(status))],
                factory: factory).increment()
        CoreMetrics.Timer(label: "mmfusion_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    func batch(size: Int) { batchSizes.record(size) }
    func inference(seconds: Double) { inferenceTimer.recordNanoseconds(Int64(seconds * 1e9)) }
    func queueDepth(_ count: Int) { depth.record(count) }
    func rejectedForQueue() { rejections.increment() }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> String { registry.emitToString() }
}
