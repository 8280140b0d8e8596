import Foundation
import Store
import Synchronization
import Tenancy

/// Keeps what every request would otherwise read from the database — a key's credentials, its
/// team's profile, the limits of both and whether any budget applies to them — without ever
/// serving a stale answer about them.
///
/// Every change that could alter an answer (a key revoked or issued, a membership or org
/// admin changed, a profile, limits or a budget saved) goes through ``AdministrationService``
/// in this process and calls ``invalidate()`` before it answers, which drops everything: so a
/// revocation, a demotion, a profile change or a new budget applies to the very next request,
/// exactly as if nothing were cached. Expiry needs no invalidation: the authenticator checks
/// each key's expiry instant against the clock on every request. A load that raced with an
/// invalidation is not kept. Entries also expire after ``lifetime``.
///
/// Several replicas on one PostgreSQL database: a change made through another replica never
/// reaches this one's ``invalidate()``. So each request's first look (its key's credentials)
/// reads the shared directory version first (``AtriumStore/directoryVersion()``, one
/// single-row read) and empties the cache when it moved: a revocation, a demotion, a profile,
/// limits or budget change committed anywhere applies to every replica's next request. When
/// the read fails the request fails (503): a replica that cannot see the database never
/// serves from a cache it can no longer check.
public final class DirectoryCache: Sendable {
    /// How long an entry is trusted at most (changes made outside this process).
    public static let lifetime: Duration = .seconds(2)
    static let capacity = 10_000

    private struct Entry<Value> {
        let value: Value
        let loadedAt: ContinuousClock.Instant
    }

    private struct State {
        var generation: UInt64 = 0
        /// The shared directory version the entries were loaded at or after.
        var sharedVersion: Int64?
        var credentials: [APIKeyHash: Entry<KeyCredentials>] = [:]
        var profiles: [TeamReference: Entry<PromptProfile>] = [:]
        var limits: [APIKeyID: Entry<RequestLimits>] = [:]
        var budgetsApply: [APIKeyID: Entry<Bool>] = [:]
    }

    private let state = Mutex(State())
    /// Reads the shared directory version (nil result: no other process writes).
    private let sharedVersion: @Sendable () async throws -> Int64?

    /// - Parameter sharedVersion: the directory version other processes advance
    ///   (``AtriumStore/directoryVersion()``); by default none, as for one process alone.
    public init(sharedVersion: @escaping @Sendable () async throws -> Int64? = { nil }) {
        self.sharedVersion = sharedVersion
    }

    /// Empties the cache if another process changed the directory since the entries were
    /// loaded. Versions only grow: an older reading (a request that read before another one
    /// already moved on) changes nothing.
    private func catchUp() async throws {
        guard let version = try await sharedVersion() else { return }
        state.withLock { state in
            if let seen = state.sharedVersion, version <= seen { return }
            // Also the first reading: nothing proves older entries were loaded after it.
            state.sharedVersion = version
            Self.clear(&state)
        }
    }

    /// Forgets everything; call after any change to keys, memberships, profiles, limits or
    /// budgets.
    public func invalidate() {
        state.withLock { Self.clear(&$0) }
    }

    private static func clear(_ state: inout State) {
        state.generation &+= 1
        state.credentials.removeAll(keepingCapacity: true)
        state.profiles.removeAll(keepingCapacity: true)
        state.limits.removeAll(keepingCapacity: true)
        state.budgetsApply.removeAll(keepingCapacity: true)
    }

    /// A key's credentials: the first look of every request, so it first catches up with
    /// changes other processes made (the request's later looks, profile and limits, then
    /// stand on the same reading).
    func credentials(matching hash: APIKeyHash, load: () async throws -> KeyCredentials?) async throws -> KeyCredentials? {
        try await catchUp()
        let now = ContinuousClock.now
        let (cached, generation) = state.withLock { state in
            (state.credentials[hash].flatMap { Self.fresh($0, now) }, state.generation)
        }
        if let cached { return cached }
        // Unknown keys are not remembered: a key minted a moment later must work at once.
        guard let loaded = try await load() else { return nil }
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.credentials.count >= Self.capacity { state.credentials.removeAll(keepingCapacity: true) }
            state.credentials[hash] = Entry(value: loaded, loadedAt: now)
        }
        return loaded
    }

    func profile(of team: TeamReference, load: () async throws -> PromptProfile) async throws -> PromptProfile {
        try await cached(\.profiles, team, load: load)
    }

    /// The limits of a request by `key` (its team's and its own).
    func limits(of key: APIKeyID, load: () async throws -> RequestLimits) async throws -> RequestLimits {
        try await cached(\.limits, key, load: load)
    }

    /// Whether any budget applies to requests by `key` (its team's, its user's or its own):
    /// most keys have none, and their requests then never touch the budget tables.
    func budgetsApply(to key: APIKeyID, load: () async throws -> Bool) async throws -> Bool {
        try await cached(\.budgetsApply, key, load: load)
    }

    /// The fresh entry at `key` in the table at `table`, or what `load` reads (kept unless an
    /// invalidation came in while it was read).
    private func cached<Key: Hashable & Sendable, Value: Sendable>(
        _ table: any WritableKeyPath<State, [Key: Entry<Value>]> & Sendable, _ key: Key, load: () async throws -> Value
    ) async throws -> Value {
        let now = ContinuousClock.now
        let (cached, generation) = state.withLock { state in
            (state[keyPath: table][key].flatMap { Self.fresh($0, now) }, state.generation)
        }
        if let cached { return cached }
        let loaded = try await load()
        state.withLock { state in
            guard state.generation == generation else { return }
            if state[keyPath: table].count >= Self.capacity { state[keyPath: table].removeAll(keepingCapacity: true) }
            state[keyPath: table][key] = Entry(value: loaded, loadedAt: now)
        }
        return loaded
    }

    private static func fresh<Value>(_ entry: Entry<Value>, _ now: ContinuousClock.Instant) -> Value? {
        entry.loadedAt.duration(to: now) < lifetime ? entry.value : nil
    }
}
