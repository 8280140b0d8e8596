import Serving
import Synchronization

/// The shared engine's state as metrics, sampled when `/metrics` is scraped: queue depth,
/// the last step's batch, KV-cache use and prefix-cache hits and misses.
///
/// ```swift
/// let serving = ServingMetrics(engine: engine, metrics: metrics)
/// exposition.addSampler(serving.sample)
/// ```
public final class ServingMetrics: Sendable {
    private let engine: ServingEngine
    private let metrics: AtriumMetrics
    /// The engine's cumulative prefix-cache counts at the last sample, so the counters grow by
    /// the difference.
    private let lastCounts = Mutex((hits: 0, misses: 0))

    public init(engine: ServingEngine, metrics: AtriumMetrics) {
        self.engine = engine
        self.metrics = metrics
    }

    public func sample() {
        typealias Name = AtriumMetrics.Name
        let statistics = engine.statistics
        metrics.gauge(Name.queueDepth, statistics.queued)
        metrics.gauge(Name.batchSize, statistics.running)
        metrics.gauge(Name.batchTokens, statistics.lastBatchTokens)
        metrics.gauge(Name.kvCacheBytes, statistics.reservedKVBytes)
        metrics.gauge(Name.kvCacheAllocatedBytes, statistics.allocatedKVBytes)
        metrics.gauge(Name.kvCacheBudgetBytes, engine.configuration.kvCacheBudgetBytes)
        let (hits, misses) = lastCounts.withLock { last in
            defer { last = (statistics.prefixCacheHits, statistics.prefixCacheMisses) }
            return (statistics.prefixCacheHits - last.hits, statistics.prefixCacheMisses - last.misses)
        }
        metrics.add(hits, to: Name.prefixCacheHits)
        metrics.add(misses, to: Name.prefixCacheMisses)
    }
}
