import Metrics
import Tenancy

/// The series of `GET /metrics`, recorded through swift-metrics where things happen. Labels
/// are ids and codes of bounded cardinality — team ids, route patterns, status codes, denial
/// reasons — never names or anything a client typed.
///
/// By default the series go to the process's `MetricsSystem` (bootstrapped once by
/// `atrium serve`); tests pass their own factory instead of touching the global one.
///
/// ```swift
/// let metrics = AtriumMetrics()                   // or AtriumMetrics(factory: testFactory)
/// metrics.tokens(usage, team: scope.teamID)
/// ```
public struct AtriumMetrics: Sendable {
    /// Metric names, one place for every component that records them.
    public enum Name {
        public static let requests = "atrium_requests_total"
        public static let requestDuration = "atrium_request_duration_seconds"
        public static let tokens = "atrium_tokens_total"
        public static let timeToFirstToken = "atrium_time_to_first_token_seconds"
        public static let denials = "atrium_denials_total"
        public static let authenticationFailures = "atrium_auth_failures_total"
        public static let queueDepth = "atrium_queue_depth"
        public static let batchSize = "atrium_batch_size"
        public static let batchTokens = "atrium_batch_tokens"
        public static let kvCacheBytes = "atrium_kv_cache_bytes"
        public static let kvCacheAllocatedBytes = "atrium_kv_cache_allocated_bytes"
        public static let kvCacheBudgetBytes = "atrium_kv_cache_budget_bytes"
        public static let prefixCacheHits = "atrium_prefix_cache_hits_total"
        public static let prefixCacheMisses = "atrium_prefix_cache_misses_total"
        public static let guardrailHits = "atrium_guardrail_hits_total"
        public static let teamWeight = "atrium_team_weight"
        public static let schedulerCapacity = "atrium_scheduler_capacity"
        public static let schedulerInFlight = "atrium_scheduler_in_flight"
        public static let schedulerQueued = "atrium_scheduler_queued"
        public static let schedulerRefused = "atrium_scheduler_refused"
        public static let upstreamUp = "atrium_upstream_up"
        public static let upstreamInFlight = "atrium_upstream_in_flight"
        public static let upstreamRequests = "atrium_upstream_requests"
        public static let upstreamErrors = "atrium_upstream_errors"
        public static let upstreamFailovers = "atrium_upstream_failovers"
        public static let upstreamFirstEvent = "atrium_upstream_mean_first_event_seconds"
        public static let budgetAmount = "atrium_budget_amount"
        public static let budgetSpent = "atrium_budget_spent"
        public static let budgetRemaining = "atrium_budget_remaining"
        public static let connectionsRefused = "atrium_connections_refused_total"
    }

    /// The `team` label of requests no team key made (owner and org keys, refused keys,
    /// open routes).
    public static let noTeam = "none"

    private let factory: (any MetricsFactory)?

    /// Records through the global `MetricsSystem`.
    public init() {
        factory = nil
    }

    /// Records through `factory` only.
    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// One finished HTTP request: `route` is the matched pattern (never the raw path).
    public func request(route: String, method: String, status: Int, team: TeamID?, duration: Duration) {
        counter(
            Name.requests,
            [("team", team?.rawValue ?? Self.noTeam), ("route", route), ("method", method), ("status", String(status))]
        ).increment()
        timer(Name.requestDuration, [("route", route)]).record(duration: duration)
    }

    /// Tokens a served request took, by team.
    public func tokens(promptTokens: Int, completionTokens: Int, team: TeamID) {
        counter(Name.tokens, [("team", team.rawValue), ("kind", "prompt")]).increment(by: Int64(promptTokens))
        counter(Name.tokens, [("team", team.rawValue), ("kind", "completion")]).increment(by: Int64(completionTokens))
    }

    /// From the request's arrival to the first generated text it streamed.
    public func timeToFirstToken(_ duration: Duration, team: TeamID) {
        timer(Name.timeToFirstToken, [("team", team.rawValue)]).record(duration: duration)
    }

    /// A guardrail acted: `kind` is an entity type, `pattern` or `injection`; `action` what
    /// was done; `stage` where (`input`, `sources`, `answer`).
    public func guardrailHit(team: TeamID, kind: String, action: String, stage: String, count: Int = 1) {
        counter(Name.guardrailHits, [("team", team.rawValue), ("kind", kind), ("action", action), ("stage", stage)])
            .increment(by: Int64(count))
    }

    /// A refused request, by reason; refused keys count as authentication failures too.
    public func denied(_ reason: DenialReason) {
        counter(Name.denials, [("reason", reason.rawValue)]).increment()
        if reason.isAuthenticationFailure { counter(Name.authenticationFailures, []).increment() }
    }

    /// A team's share weight, as its last request ran with it.
    public func teamWeight(_ weight: Double, team: TeamID) {
        gauge(Name.teamWeight, weight, labels: [("team", team.rawValue)])
    }

    /// Sets a labelled gauge (state sampled at scrape time); labels of bounded cardinality only.
    public func gauge(_ name: String, _ value: Double, labels: [(String, String)]) {
        let gauge = factory.map { Gauge(label: name, dimensions: labels, factory: $0) } ?? Gauge(label: name, dimensions: labels)
        gauge.record(value)
    }

    /// Sets a gauge (engine state sampled at scrape time).
    public func gauge(_ name: String, _ value: Int) {
        let gauge = factory.map { Gauge(label: name, dimensions: [], factory: $0) } ?? Gauge(label: name)
        gauge.record(value)
    }

    /// Adds to a counter whose total is kept elsewhere (the engine's prefix-cache hits).
    public func add(_ amount: Int, to name: String) {
        counter(name, []).increment(by: Int64(max(0, amount)))
    }

    private func counter(_ name: String, _ dimensions: [(String, String)]) -> Counter {
        factory.map { Counter(label: name, dimensions: dimensions, factory: $0) } ?? Counter(label: name, dimensions: dimensions)
    }

    private func timer(_ name: String, _ dimensions: [(String, String)]) -> Timer {
        factory.map { Timer(label: name, dimensions: dimensions, preferredDisplayUnit: .seconds, factory: $0) }
            ?? Timer(label: name, dimensions: dimensions, preferredDisplayUnit: .seconds)
    }
}
