import Synchronization
import Tenancy

/// Answers to deterministic chat requests, per team, for repeated questions: exact match on
/// ``ResponseCacheKey`` (team, model, normalized conversation, sampling, profile and
/// knowledge versions), for ``ResponseCacheConfiguration/timeToLive``, within
/// ``ResponseCacheConfiguration/maximumBytes`` (least recently used first out).
///
/// A profile or document change needs no call to be correct: both versions are in the key, so
/// the old answers are never matched again and age out (this holds across servers sharing one
/// database). A change to documents made through this server also calls ``invalidate(team:)``,
/// which frees the team's answers at once — and drops any answer still being generated when it
/// was called, so a generation that started before the change never lands afterwards.
///
/// A team whose profile turns the semantic cache on also finds answers by meaning
/// (``lookupSimilar(_:after:threshold:)``): an answer stored with its conversation's embedding
/// is indexed in the team's own ``TeamSemanticIndex``. Those entries are the same entries —
/// one time to live, one byte cap, one eviction order, one invalidation.
///
/// ```swift
/// let cache = ResponseCache(configuration: .standard)
/// if let lookup = cache.lookup(key), let hit = lookup.hit { return hit }
/// cache.store(completion, for: lookup)
/// ```
public final class ResponseCache: Sendable {
    public let configuration: ResponseCacheConfiguration
    let now: @Sendable () -> ContinuousClock.Instant
    let state: Mutex<State>

    struct Entry {
        let completion: ChatCompletion
        let expires: ContinuousClock.Instant
    }

    struct State {
        var entries: LeastRecentlyUsed<ResponseCacheKey, Entry>
        /// Bumped by ``invalidate(team:)``; a store whose lookup saw an older one is dropped.
        var generations: [TenantKey: UInt64] = [:]
        /// Each team's semantic entries (a subset of `entries`), by team.
        var semantic: [TenantKey: TeamSemanticIndex] = [:]

        func generation(of team: TenantKey) -> UInt64 {
            generations[team] ?? 0
        }

        /// Removes `key`'s answer and its semantic entry.
        mutating func remove(_ key: ResponseCacheKey) {
            entries.removeValue(for: key)
            forgetEmbedding(of: key)
        }

        mutating func forgetEmbedding(of key: ResponseCacheKey) {
            guard semantic[key.tenant] != nil else { return }
            semantic[key.tenant]!.remove(key)
            if semantic[key.tenant]!.isEmpty { semantic[key.tenant] = nil }
        }
    }

    /// The outcome of a lookup: the cached answer, or what ``store(_:for:)`` needs to keep the
    /// answer about to be generated.
    public struct Lookup: Sendable {
        public let key: ResponseCacheKey
        public let hit: ChatCompletion?
        /// How the answer was found; nil on a miss.
        public let hitKind: ResponseCacheHit?
        let generation: UInt64
        /// The conversation's embedding when the team's semantic cache looked it up: stored
        /// with the answer, so it is never computed twice.
        let embedding: ConversationEmbedding?

        init(
            key: ResponseCacheKey, hit: ChatCompletion?, hitKind: ResponseCacheHit?, generation: UInt64,
            embedding: ConversationEmbedding? = nil
        ) {
            self.key = key
            self.hit = hit
            self.hitKind = hit == nil ? nil : hitKind
            self.generation = generation
            self.embedding = embedding
        }
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
            let generation = state.generation(of: key.tenant)
            let miss = Lookup(key: key, hit: nil, hitKind: nil, generation: generation)
            guard let entry = state.entries.value(for: key) else { return miss }
            guard entry.expires > instant else {
                state.remove(key)
                return miss
            }
            return Lookup(key: key, hit: entry.completion, hitKind: .exact, generation: generation)
        }
    }

    /// Keeps `completion` as the answer to the looked-up key — and, when the lookup carried
    /// the conversation's embedding, in the team's semantic index — unless the team was
    /// invalidated since the lookup.
    public func store(_ completion: ChatCompletion, for lookup: Lookup) {
        guard configuration.isEnabled else { return }
        let entry = Entry(completion: completion, expires: now() + configuration.timeToLive)
        let cost = lookup.key.byteCount + Self.byteCount(of: completion) + (lookup.embedding?.byteCount ?? 0)
        state.withLock { state in
            guard state.generation(of: lookup.key.tenant) == lookup.generation else { return }
            state.forgetEmbedding(of: lookup.key)
            for evicted in state.entries.insert(entry, for: lookup.key, cost: cost) {
                state.forgetEmbedding(of: evicted)
            }
            guard let embedding = lookup.embedding, state.entries.peek(lookup.key) != nil else { return }
            state.semantic[lookup.key.tenant, default: TeamSemanticIndex()].insert(embedding, for: lookup.key)
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
            state.semantic[team] = nil
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
