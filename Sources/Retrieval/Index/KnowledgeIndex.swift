import Store
import Synchronization
import Tenancy

/// Every team's chunk vectors in memory, one ``TeamPartition`` per team, loaded from the store
/// the first time the team searches and kept current by the changes the store commits.
///
/// Isolation is in the structure: partitions are keyed by the team of the ``TenantScope`` the
/// caller holds, and there is no way to search without one — a search walks only its own
/// team's partition, never a shared one filtered afterwards.
///
/// Consistency with the database: a change committed before a team's load started is in the
/// rows the load reads; one committed after it started is queued and applied when the load
/// ends (changes are idempotent, so one that the load saw as well does no harm); for a team
/// not loaded at all a change needs nothing, since the load will read it.
///
/// Changes made by other processes sharing the database (replicas on PostgreSQL) never
/// arrive here. So a partition knows the team's knowledge version it holds (read with its
/// vectors from one snapshot, then advanced by each change that follows it directly), and a
/// search that brings the store's current version (``nearest(to:in:limit:minimum:scope:knowledgeVersion:)``)
/// reloads a partition that is behind it before searching: a document written through any
/// replica is found through every replica at once. A change older than the partition is
/// skipped (the partition's snapshot already holds what came after it).
public final class KnowledgeIndex: Sendable {
    public typealias Loader = @Sendable (TenantScope) async throws -> [CollectionID: VectorRows]
    /// Reads one team's vectors and the knowledge version they are, from one snapshot.
    public typealias VersionedLoader = @Sendable (TenantScope) async throws
        -> (collections: [CollectionID: VectorRows], version: Int)

    let dimensions: Int
    private let load: VersionedLoader
    private let teams = Mutex<[TeamID: Entry]>([:])
    private let revisions = Mutex<[TeamID: UInt64]>([:])

    private typealias Loaded = (partition: TeamPartition, version: Int)

    private enum Entry {
        case loading(Task<Loaded, any Error>, pending: [KnowledgeChange])
        /// The partition and the team's knowledge version it holds.
        case loaded(TeamPartition, version: Int)
    }

    /// - Parameter load: reads one team's vectors (``KnowledgeRepository/vectors(in:model:dimensions:)``),
    ///   for an index that only this process's changes reach.
    public convenience init(dimensions: Int, load: @escaping Loader) {
        self.init(dimensions: dimensions, versionedLoad: { scope in (try await load(scope), 0) })
    }

    /// - Parameter versionedLoad: reads one team's vectors and their version
    ///   (``KnowledgeRepository/vectorsWithVersion(in:model:dimensions:)``).
    public init(dimensions: Int, versionedLoad: @escaping VersionedLoader) {
        self.dimensions = dimensions
        self.load = versionedLoad
    }

    /// The team's partition, loading it first if needed (concurrent first searches share one
    /// load) or again when it is behind `current`, the team's version in the store.
    func partition(for scope: TenantScope, current: Int? = nil) async throws -> TeamPartition {
        let team = scope.teamID
        let task: Task<Loaded, any Error>
        let lookup = teams.withLock { teams in
            Self.lookUp(team, current: current, in: &teams, starting: { self.startLoading(scope) })
        }
        switch lookup {
        case let .ready(partition): return partition
        case let .loading(loading): task = loading
        }
        do {
            return finishLoading(team, loaded: try await task.value)
        } catch {
            teams.withLock { teams in
                if case .loading = teams[team] { teams[team] = nil }
            }
            throw error
        }
    }

    private enum Lookup {
        case ready(TeamPartition)
        case loading(Task<Loaded, any Error>)
    }

    private static func lookUp(
        _ team: TeamID, current: Int?, in teams: inout [TeamID: Entry], starting start: () -> Task<Loaded, any Error>
    ) -> Lookup {
        switch teams[team] {
        case let .loaded(partition, version):
            // Unless another process changed the team's knowledge since: then read it again.
            guard let current, current > version else { return .ready(partition) }
        case let .loading(task, _):
            return .loading(task)
        case nil:
            break
        }
        let task = start()
        teams[team] = .loading(task, pending: [])
        return .loading(task)
    }

    private func startLoading(_ scope: TenantScope) -> Task<Loaded, any Error> {
        Task { [load, dimensions] in
            let loaded = try await load(scope)
            return (TeamPartition(dimensions: dimensions, collections: loaded.collections), loaded.version)
        }
    }

    /// The `limit` chunks of the scope's team most similar to `query`, among `collections`.
    /// `knowledgeVersion`: the team's version in the store, read for this search (nil: trust
    /// the partition, as when only this process writes).
    func nearest(
        to query: [Float], in collections: [CollectionID], limit: Int, minimum: Float, scope: TenantScope,
        knowledgeVersion: Int? = nil
    ) async throws -> [(id: Int64, score: Float)] {
        try await partition(for: scope, current: knowledgeVersion)
            .nearest(to: query, in: collections, limit: limit, minimum: minimum)
    }

    /// Follows a change the store committed for the scope's team. Called on the store's writer
    /// right after the commit (``KnowledgeRepository/CommitHandler``), so changes arrive in
    /// commit order.
    public func apply(_ change: KnowledgeChange, to scope: TenantScope) {
        revisions.withLock { $0[scope.teamID, default: 0] += 1 }
        teams.withLock { teams in
            switch teams[scope.teamID] {
            case let .loaded(partition, version):
                if let next = Self.apply(change, to: partition, at: version) {
                    teams[scope.teamID] = .loaded(partition, version: next)
                }
            case let .loading(task, pending):
                teams[scope.teamID] = .loading(task, pending: pending + [change])
            case nil:
                break
            }
        }
    }

    /// How many changes this process committed to the scope's team's knowledge: a response
    /// cache that puts it in its keys never serves an answer built on a deleted document.
    public func revision(for scope: TenantScope) -> UInt64 {
        revisions.withLock { $0[scope.teamID] ?? 0 }
    }

    /// How many vectors the scope's team has in memory (nil: not loaded yet).
    public func loadedCount(for scope: TenantScope) -> Int? {
        teams.withLock { teams in
            if case let .loaded(partition, _) = teams[scope.teamID] { return partition.count }
            return nil
        }
    }

    /// The load ended: apply what was committed meanwhile, then serve the partition (the first
    /// waiter to get here installs it; the others get the installed one).
    private func finishLoading(_ team: TeamID, loaded: Loaded) -> TeamPartition {
        let partition = loaded.partition
        return teams.withLock { teams in
            switch teams[team] {
            case let .loaded(installed, _):
                return installed
            case let .loading(_, pending):
                var version = loaded.version
                for change in pending {
                    if let next = Self.apply(change, to: partition, at: version) { version = next }
                }
                teams[team] = .loaded(partition, version: version)
                return partition
            case nil:
                return partition
            }
        }
    }

    /// Applies `change` to a partition holding `version` unless the partition already has it;
    /// returns the partition's new version when the change followed it directly (after a gap —
    /// another process's change in between — it stays behind, and the next search reloads).
    private static func apply(_ change: KnowledgeChange, to partition: TeamPartition, at version: Int) -> Int? {
        guard let made = change.version else {
            partition.apply(change)
            return nil
        }
        guard made > version else { return nil }
        partition.apply(change)
        return made == version + 1 ? made : nil
    }
}
