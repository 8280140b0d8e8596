import GRDB

/// The budget tables, on both backends (SQLite `v18-budgets`, PostgreSQL `pg18-budgets`):
/// the same columns and meanings. Amounts are whole numbers — tokens, or micros of cost —
/// never floating point; instants are milliseconds since 1970.
///
/// - `model_prices`: the owner's price per model and 1,000 prompt / completion tokens;
///   readable by every team's transactions (requests are priced with it), written only by
///   administration.
/// - `budgets`: one per team, subject (`team`, or a `user` / `key` id) and unit.
/// - `budget_spend`: per budget and period (its start), what settled requests spent, what
///   running requests reserved, and whether the period's warning alert was raised.
/// - `budget_holds`: each running request's reservation, so that one whose replica died
///   before settling it is reclaimed once it expires (``BudgetRepository/holdLifetime``).
enum BudgetSchema {
    static func createSQLite(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE model_prices (
                    model TEXT PRIMARY KEY NOT NULL,
                    prompt_micros_per_1k INTEGER NOT NULL CHECK (prompt_micros_per_1k >= 0),
                    completion_micros_per_1k INTEGER NOT NULL CHECK (completion_micros_per_1k >= 0),
                    updated_at_ms INTEGER NOT NULL
                );
                CREATE TABLE budgets (
                    id TEXT PRIMARY KEY NOT NULL,
                    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
                    organization_id TEXT NOT NULL,
                    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('team', 'user', 'key')),
                    subject_id TEXT NOT NULL,
                    unit TEXT NOT NULL CHECK (unit IN ('tokens', 'cost')),
                    amount INTEGER NOT NULL CHECK (amount > 0),
                    period TEXT NOT NULL CHECK (period IN ('monthly', 'window')),
                    starts_at_ms INTEGER,
                    ends_at_ms INTEGER,
                    warn_percent INTEGER NOT NULL CHECK (warn_percent BETWEEN 1 AND 100),
                    updated_by_key TEXT NOT NULL,
                    updated_at_ms INTEGER NOT NULL,
                    UNIQUE (team_id, subject_kind, subject_id, unit),
                    CHECK (period = 'monthly' OR (starts_at_ms IS NOT NULL AND ends_at_ms > starts_at_ms))
                );
                CREATE TABLE budget_spend (
                    budget_id TEXT NOT NULL REFERENCES budgets(id) ON DELETE CASCADE,
                    team_id TEXT NOT NULL,
                    period_start_ms INTEGER NOT NULL,
                    spent INTEGER NOT NULL DEFAULT 0 CHECK (spent >= 0),
                    reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
                    warned INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (budget_id, period_start_ms)
                );
                CREATE INDEX budget_spend_by_team ON budget_spend(team_id);
                CREATE TABLE budget_holds (
                    id TEXT NOT NULL,
                    budget_id TEXT NOT NULL REFERENCES budgets(id) ON DELETE CASCADE,
                    team_id TEXT NOT NULL,
                    period_start_ms INTEGER NOT NULL,
                    amount INTEGER NOT NULL CHECK (amount >= 0),
                    expires_at_ms INTEGER NOT NULL,
                    PRIMARY KEY (id, budget_id)
                );
                CREATE INDEX budget_holds_by_budget ON budget_holds(budget_id, period_start_ms, expires_at_ms);
                """)
    }

    static var postgres: String {
        """
        CREATE TABLE model_prices (
            model TEXT COLLATE "C" PRIMARY KEY,
            prompt_micros_per_1k BIGINT NOT NULL CHECK (prompt_micros_per_1k >= 0),
            completion_micros_per_1k BIGINT NOT NULL CHECK (completion_micros_per_1k >= 0),
            updated_at_ms BIGINT NOT NULL
        );
        CREATE TABLE budgets (
            id TEXT COLLATE "C" PRIMARY KEY,
            team_id TEXT COLLATE "C" NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
            organization_id TEXT COLLATE "C" NOT NULL,
            subject_kind TEXT NOT NULL CHECK (subject_kind IN ('team', 'user', 'key')),
            subject_id TEXT COLLATE "C" NOT NULL,
            unit TEXT NOT NULL CHECK (unit IN ('tokens', 'cost')),
            amount BIGINT NOT NULL CHECK (amount > 0),
            period TEXT NOT NULL CHECK (period IN ('monthly', 'window')),
            starts_at_ms BIGINT,
            ends_at_ms BIGINT,
            warn_percent BIGINT NOT NULL CHECK (warn_percent BETWEEN 1 AND 100),
            updated_by_key TEXT NOT NULL,
            updated_at_ms BIGINT NOT NULL,
            UNIQUE (team_id, subject_kind, subject_id, unit),
            CHECK (period = 'monthly' OR (starts_at_ms IS NOT NULL AND ends_at_ms > starts_at_ms))
        );
        CREATE TABLE budget_spend (
            budget_id TEXT COLLATE "C" NOT NULL REFERENCES budgets(id) ON DELETE CASCADE,
            team_id TEXT COLLATE "C" NOT NULL,
            period_start_ms BIGINT NOT NULL,
            spent BIGINT NOT NULL DEFAULT 0 CHECK (spent >= 0),
            reserved BIGINT NOT NULL DEFAULT 0 CHECK (reserved >= 0),
            warned BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (budget_id, period_start_ms)
        );
        CREATE INDEX budget_spend_by_team ON budget_spend (team_id);
        CREATE TABLE budget_holds (
            id TEXT COLLATE "C" NOT NULL,
            budget_id TEXT COLLATE "C" NOT NULL REFERENCES budgets(id) ON DELETE CASCADE,
            team_id TEXT COLLATE "C" NOT NULL,
            period_start_ms BIGINT NOT NULL,
            amount BIGINT NOT NULL CHECK (amount >= 0),
            expires_at_ms BIGINT NOT NULL,
            PRIMARY KEY (id, budget_id)
        );
        CREATE INDEX budget_holds_by_budget ON budget_holds (budget_id, period_start_ms, expires_at_ms);
        \(PostgresSchema.secure("budgets", teamColumn: "team_id"))
        \(PostgresSchema.secure("budget_spend", teamColumn: "team_id"))
        \(PostgresSchema.secure("budget_holds", teamColumn: "team_id"))
        ALTER TABLE model_prices ENABLE ROW LEVEL SECURITY;
        ALTER TABLE model_prices FORCE ROW LEVEL SECURITY;
        CREATE POLICY atrium_read ON model_prices FOR SELECT
            USING (\(PostgresSchema.administration) OR coalesce(current_setting('atrium.team', true), '') <> '');
        CREATE POLICY atrium_write ON model_prices FOR ALL
            USING (\(PostgresSchema.administration)) WITH CHECK (\(PostgresSchema.administration));
        """
    }
}
