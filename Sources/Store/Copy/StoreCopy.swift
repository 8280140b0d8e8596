import Foundation
import Tenancy

/// `atrium store copy`: every row of a SQLite store into an empty PostgreSQL one — ids,
/// hashes and instants kept — for a team that outgrows the embedded store. The audit chain
/// verifies on the copy exactly as on the original.
///
/// The copy reads one snapshot of the source and writes one transaction on the target (under
/// the writers' lock): all or nothing, and a failure leaves the target as empty as it was.
///
/// ```swift
/// let copied = try await StoreCopy.copy(from: AtriumStore(path: "atrium.sqlite"), to: postgresStore)
/// ```
public enum StoreCopy {
    /// Rows copied from one table.
    public struct Copied: Sendable, Hashable {
        public let table: String
        public let rows: Int
    }

    /// Every table, in an order their foreign keys allow.
    static let tables = [
        "organizations", "users", "teams", "platform_owners", "organization_admins", "organization_users",
        "team_members", "api_keys", "key_limits", "team_profiles", "team_limits", "usage_daily",
        "audit_records", "audit_head", "alerts", "alert_destinations", "alert_destination_teams",
        "alert_deliveries", "console_sessions", "sso_identities", "sso_group_mappings", "sso_memberships",
        "model_prices", "budgets", "budget_spend", "budget_holds",
        "knowledge_collections", "knowledge_documents", "knowledge_chunks", "knowledge_versions",
    ]

    /// PostgreSQL's full-text index (``FullTextPostings``), which SQLite keeps in FTS5 tables
    /// instead: not copied but built from the copied chunks, as a store of documents builds it.
    static let derivedTables = ["knowledge_postings", "knowledge_full_text_totals"]

    /// The source's tables the copy does not know: SQLite's own, GRDB's migration log and the
    /// FTS5 tables (derived from the chunks) aside. Not empty only when a migration added a
    /// table this list forgot — then the copy refuses, never drops it.
    static func unknownTables(in source: any SQLConnection) throws -> [String] {
        try source.fetchAll(
            """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
              AND name <> 'grdb_migrations' AND name NOT LIKE 'knowledge\\_fts\\_%' ESCAPE '\\' ORDER BY name
            """, []
        ).map { try $0.decode(String.self, forColumn: "name") }.filter { !tables.contains($0) }
    }

    /// Source rows read (and target rows written) per statement.
    static let page = 500

    /// Copies `source` (SQLite) into `target` (PostgreSQL, migrated, empty) and returns the
    /// rows copied per table.
    public static func copy(from source: AtriumStore, to target: AtriumStore) async throws -> [Copied] {
        guard source.dialect == .sqlite, target.dialect == .postgres else {
            throw StoreError.invalidValue(
                field: "store copy", problem: "it copies a SQLite store into a PostgreSQL one")
        }
        let pending = try await target.pendingMigrations()
        guard pending.isEmpty else {
            throw StoreError.invalidValue(
                field: "target", problem: "it has pending migrations: \(pending.joined(separator: ", "))")
        }
        let targetBackend = target.backend
        // The source's read transaction runs on a GRDB reader thread, never a Swift concurrency
        // one: the target's transaction may block it for the whole copy.
        return try await source.backend.read { from in
            try targetBackend.writeBlocking(in: nil) { to in try copyAll(from, to) }
        }
    }

    private static func copyAll(_ from: any SQLConnection, _ to: any SQLConnection) throws -> [Copied] {
        if let unknown = try unknownTables(in: from).first {
            throw StoreError.notYetSupported("copying \(unknown): this build does not know how to copy it")
        }
        for table in tables + derivedTables where try to.exists("SELECT EXISTS (SELECT 1 FROM \(table))") {
            throw StoreError.invalidValue(
                field: "target", problem: "\(table) already has rows: a store is copied only into an empty database")
        }
        var copied: [Copied] = []
        for table in tables {
            // Identity columns (`GENERATED ALWAYS`) take the copied ids, then continue after them.
            let identities = try to.fetchAll(
                """
                SELECT column_name::text AS column_name FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = ? AND is_identity = 'YES'
                """,
                [table]
            ).map { try $0.decode(String.self, forColumn: "column_name") }
            let rows = try copyTable(table, overridingIdentity: !identities.isEmpty, from, to)
            // SQLite's AUTOINCREMENT never hands out a deleted row's id again (the in-memory
            // vector index applies changes by chunk id): the sequence continues after the
            // highest id the source ever gave, not only after the highest still there.
            let given = try from.exists(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence')")
                ? from.fetchValue(Int64.self, "SELECT seq FROM sqlite_sequence WHERE name = ?", [table]) : nil
            for column in identities {
                let highest = max(try to.fetchValue(Int64.self, "SELECT max(\(column)) FROM \(table)") ?? 0, given ?? 0)
                guard highest > 0 else { continue }
                try to.execute("SELECT setval(pg_get_serial_sequence(?, ?), ?)", [table, column, highest])
            }
            copied.append(Copied(table: table, rows: rows))
        }
        copied += try indexFullText(to)
        return copied
    }

    /// Builds the full-text postings and per-team totals of every copied document, exactly as
    /// storing the document on PostgreSQL does (so search ranks as on the source).
    private static func indexFullText(_ to: any SQLConnection) throws -> [Copied] {
        let documents = try to.fetchAll("SELECT id, team_id FROM knowledge_documents ORDER BY team_id, id")
        for document in documents {
            let team = TeamID(rawValue: try document.decode(String.self, forColumn: "team_id"))
            try FullTextPostings(team: team).index(
                document: DocumentID(rawValue: try document.decode(String.self, forColumn: "id")), to)
        }
        return try derivedTables.map { table in
            Copied(table: table, rows: try to.fetchValue(Int.self, "SELECT count(*) FROM \(table)") ?? 0)
        }
    }

    private static func copyTable(
        _ table: String, overridingIdentity: Bool, _ from: any SQLConnection, _ to: any SQLConnection
    ) throws -> Int {
        let types = try Dictionary(
            uniqueKeysWithValues: to.fetchAll(
                """
                SELECT column_name::text AS column_name, data_type::text AS data_type FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = ?
                """,
                [table]
            ).map {
                try ($0.decode(String.self, forColumn: "column_name"), $0.decode(String.self, forColumn: "data_type"))
            })
        var after: Int64 = Int64.min
        var count = 0
        while true {
            let rows = try from.fetchAll(
                "SELECT rowid AS atrium_copy_rowid, * FROM \(table) WHERE rowid > ? ORDER BY rowid LIMIT ?",
                [after, page])
            guard let last = rows.last else { return count }
            after = try last.decode(Int64.self, forColumn: "atrium_copy_rowid")
            let columns = last.columns.filter { $0 != "atrium_copy_rowid" }
            for column in columns where types[column] == nil {
                throw StoreError.invalidValue(field: "target", problem: "\(table).\(column) has no PostgreSQL column")
            }
            var arguments = SQLArguments()
            for row in rows {
                for column in columns {
                    let value = row.values[row.columns.firstIndex(of: column)!]
                    arguments.values.append(try convert(value, to: types[column]!, at: "\(table).\(column)"))
                }
            }
            let tuple = "(" + columns.map { _ in "?" }.joined(separator: ", ") + ")"
            try to.execute(
                "INSERT INTO \(table) (\(columns.joined(separator: ", ")))"
                    + (overridingIdentity ? " OVERRIDING SYSTEM VALUE" : "") + " VALUES "
                    + Array(repeating: tuple, count: rows.count).joined(separator: ", "),
                arguments)
            count += rows.count
        }
    }

    /// A SQLite value in the form the PostgreSQL column takes: GRDB's date text as an
    /// instant, 0/1 as a boolean, text as bytes for `BYTEA` (the audit's exact text).
    static func convert(_ value: SQLValue, to type: String, at column: String) throws -> SQLValue {
        if case .null = value { return .null }
        let converted: SQLValue? =
            switch type {
            case "timestamp with time zone", "timestamp without time zone": Date.decode(value).map(SQLValue.date)
            case "boolean": Bool.decode(value).map(SQLValue.bool)
            case "bytea": Data.decode(value).map(SQLValue.blob)
            case "bigint", "integer", "smallint": Int64.decode(value).map(SQLValue.integer)
            case "double precision", "real": Double.decode(value).map(SQLValue.real)
            case "text":
                // PostgreSQL text cannot hold NUL: such a row is refused, never cut short.
                String.decode(value).flatMap { $0.utf8.contains(0) ? nil : SQLValue.text($0) }
            default: nil
            }
        guard let converted else {
            throw StoreError.invalidValue(field: column, problem: "a value PostgreSQL's \(type) cannot hold exactly")
        }
        return converted
    }
}
