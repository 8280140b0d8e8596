import Synchronization
import Tenancy

/// Answers to deterministic chat requests, per team, for repeated questions: exact match on
/// ``ResponseCacheKey`` (team, model, normalized conversation, sampling, profile and
/// knowledge versions), for ``ResponseCacheConfiguration/timeToLive``, within
/// ``ResponseCacheConfiguration/maximumBytes`` (least recently used first out).
///
/// A profile change needs no call: its version is in the key, so the old answers are never
/// matched again and age out. A change to a team's documents calls ``invalidate(team:)``,
/// which drops the team's answers at once — and also any answer still being generated when
/// it was called, so a generation that started before the change never lands afterwards.
///
/// ```swift
/// let cache = ResponseCache(configuration: .standard)
/// if let lookup = cache.lookup(key), let hit = lookup.hit { return hit }
/// cache.store(completion, for: lookup)
/// ```
public final class ResponseCache: Sendable {
    public let configuration: ResponseCacheConfiguration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state: Mutex<State>

    private struct Entry {
        let completion: ChatCompletion
        let expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: LeastRecentlyUsed<ResponseCacheKey, Entry>
        /// Bumped by ``invalidate(team:)``; a store whose lookup saw an older one is dropped.
        var generations: [TenantKey: UInt64] = [:]
    }

    /// The outcome of ``lookup(_:)``: the cached answer, or what ``store(_:for:)`` needs to
    /// keep the answer about to be generated.
    public struct Lookup: Sendable {
        public let key: ResponseCacheKey
        public let hit: ChatCompletion?
        let generation: UInt64
    }

    /// - Parameter now: the clock the time to live is measured on (tests pass a synthetic one).
    public init(
        configuration: ResponseCacheConfiguration,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.configuration = configuration
        self.now = now
        state = Mutex(State(entries: LeastRecentlyUsed(capacity: configuration.maximumBytes)))
    }

    /// The cached answer for `key`, if one is fresh; nil when the cache is off.
    public func lookup(_ key: ResponseCacheKey) -> Lookup? {
        guard configuration.isEnabled else { return nil }
        let instant = now()
        return state.withLock { state in
            let generation = state.generations[key.tenant] ?? 0
            guard let entry = state.entries.value(for: key) else { return Lookup(key: key, hit: nil, generation: generation) }
            guard entry.expires > instant else {
                state.entries.removeValue(for: key)
                return Lookup(key: key, hit: nil, generation: generation)
            }
            return Lookup(key: key, hit: entry.completion, generation: generation)
        }
    }

    /// Keeps `completion` as the answer to the looked-up key, unless the team was invalidated
    /// since the lookup.
    public func store(_ completion: ChatCompletion, for lookup: Lookup) {
        guard configuration.isEnabled else { return }
        let entry = Entry(completion: completion, expires: now() + configuration.timeToLive)
        let cost = lookup.key.byteCount + Self.byteCount(of: completion)
        state.withLock { state in
            guard (state.generations[lookup.key.tenant] ?? 0) == lookup.generation else { return }
            state.entries.insert(entry, for: lookup.key, cost: cost)
        }
    }

    /// Drops every answer of the scope's team (its documents changed).
    public func invalidate(team scope: TenantScope) {
        invalidate(team: TenantKey(scope))
    }

    /// Drops every answer of `team` (its documents changed).
    public func invalidate(team: TenantKey) {
        state.withLock { state in
            state.generations[team, default: 0] &+= 1
            state.entries.removeAll { $0.tenant == team }
        }
    }

    /// Answers held, and the bytes they are counted as.
    public var usage: (entries: Int, bytes: Int) {
        state.withLock { ($0.entries.count, $0.entries.totalCost) }
    }

    static func byteCount(of completion: ChatCompletion) -> Int {
        64 + completion.text.utf8.count
    }
}
