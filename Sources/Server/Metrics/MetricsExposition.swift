import Gateway
import Metrics
import Prometheus
import Synchronization

/// The Prometheus side of Atrium's metrics: a registry, the swift-metrics factory that fills
/// it, and the samplers (the serving engine's gauges) run before each scrape.
///
/// `atrium serve` makes one and bootstraps the process's `MetricsSystem` with it, so every
/// `Counter(label:)` anywhere lands in the scrape; tests make their own and hand
/// ``metrics`` to the gateway instead, touching nothing global.
///
/// ```swift
/// let exposition = MetricsExposition()
/// exposition.bootstrapMetricsSystem()            // once per process, in serve only
/// let gateway = Gateway(…, metrics: exposition.metrics)
/// exposition.addSampler(ServingMetrics(engine: engine, metrics: exposition.metrics).sample)
/// ```
public final class MetricsExposition: Sendable {
    /// The Prometheus text format's content type.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let samplers = Mutex<[@Sendable () -> Void]>([])

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        // A streamed answer can take minutes; the first token should come within seconds.
        factory.durationHistogramBuckets = [
            AtriumMetrics.Name.requestDuration: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300].map(Self.seconds),
            AtriumMetrics.Name.timeToFirstToken: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30].map(Self.seconds),
        ]
        self.factory = factory
    }

    /// Records into this exposition's registry only.
    public var metrics: AtriumMetrics { AtriumMetrics(factory: factory) }

    /// Makes this registry the process's metrics backend. Call once, from `atrium serve`.
    public func bootstrapMetricsSystem() {
        MetricsSystem.bootstrap(factory)
    }

    /// Runs `sampler` before every scrape (gauges of state kept elsewhere).
    public func addSampler(_ sampler: @escaping @Sendable () -> Void) {
        samplers.withLock { $0.append(sampler) }
    }

    /// Every series, in the Prometheus text format.
    public func scrape() -> [UInt8] {
        for sampler in samplers.withLock({ $0 }) { sampler() }
        return registry.emitToBuffer()
    }

    private static func seconds(_ value: Double) -> Duration {
        .milliseconds(Int64((value * 1000).rounded()))
    }
}
