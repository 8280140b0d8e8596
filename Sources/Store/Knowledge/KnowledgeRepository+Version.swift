import GRDB
import Tenancy

extension KnowledgeRepository {
    /// The version of the team's knowledge: 0 before its first document, then one more for
    /// every write that changed what retrieval can find (a document added, replaced or
    /// deleted, a collection deleted). Storing unchanged content leaves it as it is.
    public func version(in scope: TenantScope) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT version FROM knowledge_versions WHERE team_id = ?", arguments: [scope.teamID.rawValue]
            ) ?? 0
        }
    }

    /// Counts one change to the team's knowledge, inside the transaction that makes it.
    static func bumpVersion(_ scope: TenantScope, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO knowledge_versions (team_id, version) VALUES (?, 1)
                ON CONFLICT (team_id) DO UPDATE SET version = version + 1
                """,
            arguments: [scope.teamID.rawValue])
    }
}
