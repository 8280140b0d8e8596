import GRDB
import Tenancy

/// The tables of team knowledge (migrations `v8-knowledge`, `v9-knowledge-versions`,
/// `v13-knowledge-title-field`).
///
/// - `knowledge_collections`: per team, names unique within the team (case-insensitive).
/// - `knowledge_documents`: one row per (collection, name); the id derives from the team,
///   collection name, document name and content hash, so the same content under the same name
///   always has the same id.
/// - `knowledge_chunks`: text, heading path, position and the Float32 embedding of every chunk.
///   Ids are AUTOINCREMENT so a deleted chunk's id is never handed out again: the in-memory
///   index applies changes by chunk id.
///
/// Full-text rows live in one FTS5 table per team (``FullTextTable``), created with the team's
/// first document, so BM25 statistics of one team never depend on another team's documents.
/// Rows are only ever deleted through ``KnowledgeRepository``, which removes the full-text rows
/// in the same transaction (the foreign keys cascade as a backstop).
///
/// `knowledge_versions` counts, per team, the writes that changed what retrieval can find; the
/// response cache keys answers by it, so an answer never outlives its documents, even when
/// another server on the same database changed them.
enum KnowledgeSchema {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE knowledge_collections (
                    id TEXT PRIMARY KEY NOT NULL,
                    team_id TEXT NOT NULL,
                    organization_id TEXT NOT NULL,
                    name TEXT NOT NULL COLLATE NOCASE,
                    created_at DATETIME NOT NULL,
                    FOREIGN KEY (team_id, organization_id) REFERENCES teams(id, organization_id) ON DELETE CASCADE,
                    UNIQUE (team_id, name)
                );
                CREATE TABLE knowledge_documents (
                    id TEXT PRIMARY KEY NOT NULL,
                    collection_id TEXT NOT NULL REFERENCES knowledge_collections(id) ON DELETE CASCADE,
                    team_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    format TEXT NOT NULL,
                    content_hash TEXT NOT NULL CHECK (length(content_hash) = 64),
                    byte_count INTEGER NOT NULL CHECK (byte_count >= 0),
                    embedding_model TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    UNIQUE (collection_id, name)
                );
                CREATE INDEX knowledge_documents_by_team ON knowledge_documents(team_id, collection_id);
                CREATE TABLE knowledge_chunks (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    document_id TEXT NOT NULL REFERENCES knowledge_documents(id) ON DELETE CASCADE,
                    collection_id TEXT NOT NULL,
                    team_id TEXT NOT NULL,
                    chunk_index INTEGER NOT NULL CHECK (chunk_index >= 0),
                    heading_path TEXT NOT NULL,
                    text TEXT NOT NULL,
                    embedding BLOB NOT NULL,
                    UNIQUE (document_id, chunk_index)
                );
                CREATE INDEX knowledge_chunks_by_team ON knowledge_chunks(team_id, collection_id);
                """)
    }

    static func addVersions(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE knowledge_versions (
                    team_id TEXT PRIMARY KEY NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
                    version INTEGER NOT NULL CHECK (version > 0)
                );
                """)
    }

    /// The view the full-text tables read their columns from: each chunk's text and heading
    /// path with its document's name as `title`, so BM25 weighs a match in the name apart from
    /// one in the body. Every team's existing full-text table is made anew with that column.
    static func addTitleField(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE VIEW knowledge_chunk_fields AS
                SELECT c.id, c.document_id, c.team_id, c.text, c.heading_path, d.name AS title
                FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id;
                """)
        let teams = try String.fetchAll(db, sql: "SELECT id FROM teams")
        for team in teams {
            let table = FullTextTable(team: TeamID(rawValue: team))
            let connection = GRDBConnection(db: db)
            guard try table.exists(connection) else { continue }
            try db.execute(sql: "DROP TABLE \(table.quoted)")
            try table.createIfMissing(connection)
            try table.indexAll(team: team, connection)
        }
    }
}
