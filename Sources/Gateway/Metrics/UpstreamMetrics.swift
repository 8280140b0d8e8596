/// The upstream path's state as metrics, sampled when `/metrics` is scraped: per model, the
/// fair scheduler's budget (less while an upstream is down), requests in flight, waiting and
/// refused; per upstream (labelled by model and its position among the flags, never its URL),
/// whether it is up, its requests in flight, and its requests, errors and failovers since
/// start, and the mean time to its first event.
///
/// ```swift
/// exposition.addSampler(UpstreamMetrics(backend: backend, metrics: exposition.metrics).sample)
/// ```
public struct UpstreamMetrics: Sendable {
    let backend: any LanguageModelBackend
    let metrics: AtriumMetrics

    public init(backend: any LanguageModelBackend, metrics: AtriumMetrics) {
        self.backend = backend
        self.metrics = metrics
    }

    public func sample() {
        typealias Name = AtriumMetrics.Name
        for (model, admission) in backend.admissions {
            let statistics = admission.statistics
            let labels = [("model", model)]
            metrics.gauge(Name.schedulerCapacity, Double(statistics.capacity), labels: labels)
            metrics.gauge(Name.schedulerInFlight, Double(statistics.inFlight), labels: labels)
            metrics.gauge(Name.schedulerQueued, Double(statistics.queued), labels: labels)
            metrics.gauge(Name.schedulerRefused, Double(statistics.refused), labels: labels)
        }
        for upstream in backend.upstreams {
            let labels = [("model", upstream.model), ("upstream", String(upstream.index))]
            metrics.gauge(Name.upstreamUp, upstream.healthy ? 1 : 0, labels: labels)
            metrics.gauge(Name.upstreamInFlight, Double(upstream.inFlight), labels: labels)
            metrics.gauge(Name.upstreamRequests, Double(upstream.requests), labels: labels)
            metrics.gauge(Name.upstreamErrors, Double(upstream.errors), labels: labels)
            metrics.gauge(Name.upstreamFailovers, Double(upstream.failovers), labels: labels)
            metrics.gauge(Name.upstreamFirstEvent, upstream.meanFirstEventSeconds, labels: labels)
        }
    }
}
