import PostgresNIO

extension PostgresBackend {
    /// The migrations applied to this database, oldest first (none on an empty database).
    func appliedMigrations() async throws -> [String] {
        try await read { connection in
            guard try connection.exists("SELECT to_regclass('atrium_migrations') IS NOT NULL") else { return [] }
            return try connection.fetchAll("SELECT name FROM atrium_migrations ORDER BY position").map {
                try $0.decode(String.self, forColumn: "name")
            }
        }
    }

    /// Applies every pending migration in one transaction (all or none), under the writers'
    /// lock, so two replicas migrating at once apply each migration once. Returns their names.
    func migrate() async throws -> [String] {
        try await write { connection in
            guard let session = connection as? PostgresSession else { return [] }
            try session.executeScript(
                """
                CREATE TABLE IF NOT EXISTS atrium_migrations (
                    position INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """)
            let applied = Set(
                try connection.fetchAll("SELECT name FROM atrium_migrations").map {
                    try $0.decode(String.self, forColumn: "name")
                })
            let known = Set(PostgresSchema.migrations.map(\.name))
            if let unknown = applied.subtracting(known).sorted().first {
                throw StoreError.invalidValue(
                    field: "database", problem: "it has migration \(unknown), which this build does not know (a newer Atrium?)")
            }
            var done: [String] = []
            for (position, migration) in PostgresSchema.migrations.enumerated() where !applied.contains(migration.name) {
                try session.executeScript(migration.sql)
                try connection.execute(
                    "INSERT INTO atrium_migrations (position, name) VALUES (?, ?)", [position + 1, migration.name])
                done.append(migration.name)
            }
            return done
        }
    }

    /// Row-level security holds every role but superusers and BYPASSRLS roles: refuse those.
    func requireRowLevelSecurity() async throws {
        let bypasses = try await read { connection in
            try connection.exists(
                "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        }
        if bypasses {
            throw StoreError.invalidValue(
                field: "database",
                problem: "the PostgreSQL role bypasses row-level security (superuser or BYPASSRLS); connect as an ordinary role")
        }
    }
}
