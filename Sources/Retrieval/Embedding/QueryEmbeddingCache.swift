import Synchronization
import Tenancy

/// The embeddings of a team's recent search queries, so a repeated query (a chat's follow-up,
/// a user paging, a client retrying) skips the model.
///
/// Caches are per team (DESIGN §3.6): each team has its own entries and its own capacity,
/// reached only through the ``TenantScope`` that authentication made. Another team's queries
/// never fill, evict or answer from a team's entries, so a team cannot learn through timing
/// what anyone else asked. Entries are dropped least recently used first.
///
/// ```swift
/// let cache = QueryEmbeddingCache(entriesPerTeam: 128)
/// if let vector = cache.vector(for: "refund window", in: scope) { … }
/// cache.store(vector, for: "refund window", in: scope)
/// ```
public final class QueryEmbeddingCache: Sendable {
    /// One team's entries: query text → vector and when it was last used.
    struct TeamEntries {
        var vectors: [String: (vector: [Float], lastUse: UInt64)] = [:]
        var clock: UInt64 = 0

        mutating func use(_ query: String) -> [Float]? {
            guard let found = vectors[query] else { return nil }
            clock += 1
            vectors[query] = (found.vector, clock)
            return found.vector
        }

        mutating func keep(_ vector: [Float], for query: String, capacity: Int) {
            clock += 1
            if vectors[query] == nil, vectors.count >= capacity,
                let oldest = vectors.min(by: { $0.value.lastUse < $1.value.lastUse })?.key
            {
                vectors[oldest] = nil
            }
            vectors[query] = (vector, clock)
        }
    }

    /// Queries longer than this are not kept: a pasted page is rarely asked twice, and the
    /// key would cost more memory than the vector.
    public static let maximumQueryBytes = 1024

    public let entriesPerTeam: Int
    private let teams = Mutex<[TeamID: TeamEntries]>([:])

    /// - Parameter entriesPerTeam: how many queries each team keeps; 0 turns the cache off.
    public init(entriesPerTeam: Int = 128) {
        self.entriesPerTeam = max(0, entriesPerTeam)
    }

    /// The cached vector of `query` for the scope's team, or nil.
    public func vector(for query: String, in scope: TenantScope) -> [Float]? {
        teams.withLock { teams in teams[scope.teamID]?.use(query) ?? nil }
    }

    /// Keeps `vector` as the scope's team's embedding of `query`, dropping the team's least
    /// recently used entry when the team's entries are full.
    public func store(_ vector: [Float], for query: String, in scope: TenantScope) {
        guard entriesPerTeam > 0, query.utf8.count <= Self.maximumQueryBytes else { return }
        let capacity = entriesPerTeam
        teams.withLock { teams in teams[scope.teamID, default: TeamEntries()].keep(vector, for: query, capacity: capacity) }
    }

    /// How many queries the scope's team has cached (for tests and metrics).
    public func count(in scope: TenantScope) -> Int {
        teams.withLock { $0[scope.teamID]?.vectors.count ?? 0 }
    }
}
