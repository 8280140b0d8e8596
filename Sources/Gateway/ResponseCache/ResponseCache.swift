import Synchronization
import Tenancy

/// Answers to deterministic chat requests, per team, for repeated questions: exact match on
/// ``ResponseCacheKey`` (team, model, normalized conversation, sampling, profile and
/// knowledge versions), for ``ResponseCacheConfiguration/timeToLive``, within
/// ``ResponseCacheConfiguration/maximumBytes``. Each team's answers are kept in an order of
/// their own, and a full cache makes room by evicting the least recently used answer of the
/// team holding the most bytes: one team's stream of new questions evicts its own answers once
/// it is the largest, never every other team's.
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
/// one time to live, one byte cap, the team's eviction order, one invalidation.
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
        let maximumBytes: Int
        /// Each team's answers, least recently used first.
        var teams: [TenantKey: LeastRecentlyUsed<ResponseCacheKey, Entry>] = [:]
        /// Bumped by ``invalidate(team:)``; a store whose lookup saw an older one is dropped.
        var generations: [TenantKey: UInt64] = [:]
        /// Each team's semantic entries (a subset of `teams`' answers), by team.
        var semantic: [TenantKey: TeamSemanticIndex] = [:]

        func generation(of team: TenantKey) -> UInt64 {
            generations[team] ?? 0
        }

        /// `key`'s answer, which becomes its team's most recently used.
        mutating func entry(for key: ResponseCacheKey) -> Entry? {
            teams[key.tenant]?.value(for: key)
        }

        func peek(_ key: ResponseCacheKey) -> Entry? {
            teams[key.tenant]?.peek(key)
        }

        /// Keeps `entry` under `key`, then evicts from the team holding the most bytes until
        /// every answer fits.
        mutating func insert(_ entry: Entry, for key: ResponseCacheKey, cost: Int) {
            let team = key.tenant
            let evicted = teams[team, default: LeastRecentlyUsed(capacity: maximumBytes)].insert(entry, for: key, cost: cost)
            for key in evicted { forgetEmbedding(of: key) }
            while totalBytes > maximumBytes, let largest = largestTeam(preferring: team),
                let oldest = teams[largest]!.removeOldest()
            {
                forgetEmbedding(of: oldest)
                dropIfEmpty(largest)
            }
            dropIfEmpty(team)
        }

        /// The bytes every team's answers take (one sum over the teams: a store is rare beside
        /// a lookup, and a count kept beside them would be a second truth).
        var totalBytes: Int { teams.values.reduce(0) { $0 + $1.totalCost } }

        private mutating func dropIfEmpty(_ team: TenantKey) {
            if teams[team]?.count == 0 { teams[team] = nil }
        }

        /// The team holding the most bytes; `team` (the one inserting) among equals.
        func largestTeam(preferring team: TenantKey) -> TenantKey? {
            var largest: (team: TenantKey, bytes: Int)?
            for (other, answers) in teams where answers.totalCost > (largest?.bytes ?? -1)
                || (answers.totalCost == largest?.bytes && other == team)
            {
                largest = (other, answers.totalCost)
            }
            return largest?.team
        }

        /// Removes `key`'s answer and its semantic entry.
        mutating func remove(_ key: ResponseCacheKey) {
            teams[key.tenant]?.removeValue(for: key)
            dropIfEmpty(key.tenant)
            forgetEmbedding(of: key)
        }

        /// Removes every answer of `team`.
        mutating func removeAll(of team: TenantKey) {
            teams[team] = nil
            semantic[team] = nil
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
        state = Mutex(State(maximumBytes: configuration.maximumBytes))
    }

    /// The cached answer for `key`, if one is fresh; nil when the cache is off.
    public func lookup(_ key: ResponseCacheKey) -> Lookup? {
        guard configuration.isEnabled else { return nil }
        let instant = now()
        return state.withLock { state in
            let generation = state.generation(of: key.tenant)
            let miss = Lookup(key: key, hit: nil, hitKind: nil, generation: generation)
            guard let entry = state.entry(for: key) else { return miss }
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
            state.insert(entry, for: lookup.key, cost: cost)
            guard let embedding = lookup.embedding, state.peek(lookup.key) != nil else { return }
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
            state.removeAll(of: team)
        }
    }

    /// Answers held, and the bytes they are counted as.
    public var usage: (entries: Int, bytes: Int) {
        state.withLock { state in (state.teams.values.reduce(0) { $0 + $1.count }, state.totalBytes) }
    }

    static func byteCount(of completion: ChatCompletion) -> Int {
        64 + completion.text.utf8.count
    }
}
