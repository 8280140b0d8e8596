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
public final class KnowledgeIndex: Sendable {
    public typealias Loader = @Sendable (TenantScope) async throws -> [CollectionID: VectorRows]

    let dimensions: Int
    private let load: Loader
    private let teams = Mutex<[TeamID: Entry]>([:])
    private let revisions = Mutex<[TeamID: UInt64]>([:])

    private enum Entry {
        case loading(Task<TeamPartition, any Error>, pending: [KnowledgeChange])
        case loaded(TeamPartition)
    }

    /// - Parameter load: reads one team's vectors (``KnowledgeRepository/vectors(in:model:dimensions:)``).
    public init(dimensions: Int, load: @escaping Loader) {
        self.dimensions = dimensions
        self.load = load
    }

    /// The team's partition, loading it first if needed (concurrent first searches share one load).
    func partition(for scope: TenantScope) async throws -> TeamPartition {
        let team = scope.teamID
        let task: Task<TeamPartition, any Error>
        switch teams.withLock({ teams in Self.lookUp(team, in: &teams, starting: { self.startLoading(scope) }) }) {
        case let .ready(partition): return partition
        case let .loading(loading): task = loading
        }
        do {
            return finishLoading(team, partition: try await task.value)
        } catch {
            teams.withLock { teams in
                if case .loading = teams[team] { teams[team] = nil }
            }
            throw error
        }
    }

    private enum Lookup {
        case ready(TeamPartition)
        case loading(Task<TeamPartition, any Error>)
    }

    private static func lookUp(
        _ team: TeamID, in teams: inout [TeamID: Entry], starting start: () -> Task<TeamPartition, any Error>
    ) -> Lookup {
        switch teams[team] {
        case let .loaded(partition):
            return .ready(partition)
        case let .loading(task, _):
            return .loading(task)
        case nil:
            let task = start()
            teams[team] = .loading(task, pending: [])
            return .loading(task)
        }
    }

    private func startLoading(_ scope: TenantScope) -> Task<TeamPartition, any Error> {
        Task { [load, dimensions] in
            TeamPartition(dimensions: dimensions, collections: try await load(scope))
        }
    }

    /// The `limit` chunks of the scope's team most similar to `query`, among `collections`.
    func nearest(to query: [Float], in collections: [CollectionID], limit: Int, minimum: Float, scope: TenantScope)
        async throws -> [(id: Int64, score: Float)]
    {
        try await partition(for: scope).nearest(to: query, in: collections, limit: limit, minimum: minimum)
    }

    /// Follows a change the store committed for the scope's team. Called on the store's writer
    /// right after the commit (``KnowledgeRepository/CommitHandler``), so changes arrive in
    /// commit order.
    public func apply(_ change: KnowledgeChange, to scope: TenantScope) {
        revisions.withLock { $0[scope.teamID, default: 0] += 1 }
        teams.withLock { teams in
            switch teams[scope.teamID] {
            case let .loaded(partition):
                partition.apply(change)
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
            if case let .loaded(partition) = teams[scope.teamID] { return partition.count }
            return nil
        }
    }

    /// The load ended: apply what was committed meanwhile, then serve the partition (the first
    /// waiter to get here installs it; the others get the installed one).
    private func finishLoading(_ team: TeamID, partition: TeamPartition) -> TeamPartition {
        teams.withLock { teams in
            switch teams[team] {
            case let .loaded(installed):
                return installed
            case let .loading(_, pending):
                for change in pending { partition.apply(change) }
                teams[team] = .loaded(partition)
                return partition
            case nil:
                return partition
            }
        }
    }
}
