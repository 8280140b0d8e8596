import Tenancy

extension KnowledgeRepository {
    /// The version of the team's knowledge: 0 before its first document, then one more for
    /// every write that changed what retrieval can find (a document added, replaced or
    /// deleted, a collection deleted). Storing unchanged content leaves it as it is.
    public func version(in scope: TenantScope) async throws -> Int {
        try await backend.read(in: scope) { db in try Self.version(scope, db) }
    }

    static func version(_ scope: TenantScope, _ db: any SQLConnection) throws -> Int {
        try db.fetchValue(Int.self, "SELECT version FROM knowledge_versions WHERE team_id = ?", [scope.teamID.rawValue]) ?? 0
    }

    /// Counts one change to the team's knowledge, inside the transaction that makes it, and
    /// returns the version it made (writes follow each other, so no other write made it too).
    @discardableResult
    static func bumpVersion(_ scope: TenantScope, _ db: any SQLConnection) throws -> Int {
        try db.execute(
            """
            INSERT INTO knowledge_versions (team_id, version) VALUES (?, 1)
            ON CONFLICT (team_id) DO UPDATE SET version = knowledge_versions.version + 1
            """,
            [scope.teamID.rawValue])
        return try version(scope, db)
    }
}
