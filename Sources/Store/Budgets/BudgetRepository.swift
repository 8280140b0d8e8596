import Foundation
import Tenancy

/// Budgets and model prices, and their spend, kept in the shared store so every replica
/// counts against the same figures.
///
/// Who sets what follows the roles table: the owner prices models (`.setPrices`); the owner
/// and org admins set a team's own budgets (`.setLimits`: a team never raises its own); a team
/// admin sets its users' and keys' budgets inside the team (`.setMemberBudgets`). Spending
/// (``reserve(promptTokens:completionTokens:model:in:at:)`` and ``settle(_:at:_:)``) lives in
/// `BudgetRepository+Spending.swift`.
public struct BudgetRepository: Sendable {
    let backend: any StoreBackend

    // MARK: Budgets

    /// The granted team's budgets (`.readLimits`) and where each stands at `date`.
    public func budgets(_ grant: Grant, at date: Date = Date()) async throws -> [BudgetStatus] {
        let team = try grant.team(for: .readLimits)
        return try await backend.read { db in
            try Self.statuses(
                of: Self.rows("SELECT * FROM budgets WHERE team_id = ? AND organization_id = ? ORDER BY id",
                              [team.id.rawValue, team.organizationID.rawValue], db),
                at: date, db)
        }
    }

    /// Every team's budgets (the `/metrics` scrape: the owner's or the metrics token's).
    public func allBudgets(at date: Date = Date()) async throws -> [BudgetStatus] {
        try await backend.read { db in
            try Self.statuses(of: Self.rows("SELECT * FROM budgets ORDER BY team_id, id", [], db), at: date, db)
        }
    }

    /// Sets the granted team's budget for the draft's subject and unit, replacing the one it
    /// had (its spend so far stays). A team budget needs `.setLimits`; a user's or key's
    /// `.setMemberBudgets`, and the user must be a member of the team, the key one of its keys.
    /// - Returns: the budget and where it stands now.
    @discardableResult
    public func set(_ draft: BudgetDraft, _ grant: Grant, now: Date = Date()) async throws -> BudgetStatus {
        let team = try grant.team(for: draft.subject == .team ? .setLimits : .setMemberBudgets)
        let updatedBy = grant.principal.keyID.rawValue
        return try await backend.write { db in
            try MembershipRepository.requireTeam(team, db)
            try Self.requireSubject(draft.subject, in: team, db)
            try Self.refuseOwnBudget(kind: draft.subject.kind, id: draft.subject.id, grant, db)
            var start: Int64?
            var end: Int64?
            if case let .window(from, to) = draft.period {
                start = from.millisecondsSince1970
                end = to.millisecondsSince1970
            }
            let row = try db.fetchOne(
                """
                INSERT INTO budgets (id, team_id, organization_id, subject_kind, subject_id, unit, amount, period,
                    starts_at_ms, ends_at_ms, warn_percent, updated_by_key, updated_at_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (team_id, subject_kind, subject_id, unit) DO UPDATE SET
                    amount = excluded.amount, period = excluded.period, starts_at_ms = excluded.starts_at_ms,
                    ends_at_ms = excluded.ends_at_ms, warn_percent = excluded.warn_percent,
                    updated_by_key = excluded.updated_by_key, updated_at_ms = excluded.updated_at_ms
                RETURNING *
                """,
                [
                    BudgetID.random().rawValue, team.id.rawValue, team.organizationID.rawValue, draft.subject.kind,
                    draft.subject.id, draft.unit.rawValue, draft.amount, draft.period.kind, start, end,
                    draft.warnPercent, updatedBy, now.millisecondsSince1970,
                ])
            guard let row, let status = try Self.statuses(of: [Self.budget(row)], at: now, db).first else {
                throw StoreError.corruptRow(table: "budgets", problem: "no row returned")
            }
            return status
        }
    }

    /// Deletes one of the granted team's budgets (the grant's action as for setting it); an
    /// id of another team's budget is not found.
    public func delete(_ id: BudgetID, _ grant: Grant) async throws {
        let team = try grant.team(for: grant.action)
        guard grant.action == .setLimits || grant.action == .setMemberBudgets else {
            throw AccessDenied(.actionDoesNotApply, action: grant.action)
        }
        try await backend.write { db in
            let row = try db.fetchOne(
                "SELECT subject_kind, subject_id FROM budgets WHERE id = ? AND team_id = ? AND organization_id = ?",
                [id.rawValue, team.id.rawValue, team.organizationID.rawValue])
            guard let row, let kind = try row.decode(String?.self, forColumn: "subject_kind") else {
                throw StoreError.notFound(kind: "budget", address: id.rawValue)
            }
            // A team admin may delete its users' and keys' budgets, never the team's own.
            if kind == "team" && grant.action != .setLimits { throw AccessDenied(.roleNotAllowed, action: .setLimits) }
            try Self.refuseOwnBudget(kind: kind, id: try row.decode(String.self, forColumn: "subject_id"), grant, db)
            try db.execute("DELETE FROM budget_holds WHERE budget_id = ?", [id.rawValue])
            try db.execute("DELETE FROM budget_spend WHERE budget_id = ?", [id.rawValue])
            try db.execute("DELETE FROM budgets WHERE id = ?", [id.rawValue])
        }
    }

    /// A team admin (``Action/setMemberBudgets``) sets and deletes its users' and keys' budgets,
    /// never its own — its user's, or a key its user holds: a budget an org admin put on a team
    /// admin would otherwise be lifted by the one it limits.
    private static func refuseOwnBudget(kind: String, id: String, _ grant: Grant, _ db: any SQLConnection) throws {
        guard grant.action == .setMemberBudgets else { return }
        let caller = grant.principal.userID
        let own: Bool
        switch kind {
        case "user": own = id == caller.rawValue
        case "key": own = try KeyRepository.fetch(db, id: APIKeyID(rawValue: id))?.userID == caller
        default: own = false
        }
        if own { throw AccessDenied(.roleNotAllowed, action: .setLimits) }
    }

    // MARK: Prices

    /// Every model's price, by model id.
    public func prices() async throws -> [ModelPrice] {
        try await backend.read { db in
            try db.fetchAll("SELECT * FROM model_prices ORDER BY model", []).map(Self.price)
        }
    }

    /// Sets one model's price (`.setPrices`: the owner); requests admitted from now on are
    /// priced with it.
    public func setPrice(_ price: ModelPrice, _ grant: Grant, now: Date = Date()) async throws {
        guard grant.action == .setPrices, grant.resource == .platform else {
            throw AccessDenied(.actionDoesNotApply, action: grant.action)
        }
        _ = try await backend.write { db in
            try db.execute(
                """
                INSERT INTO model_prices (model, prompt_micros_per_1k, completion_micros_per_1k, updated_at_ms)
                VALUES (?, ?, ?, ?)
                ON CONFLICT (model) DO UPDATE SET prompt_micros_per_1k = excluded.prompt_micros_per_1k,
                    completion_micros_per_1k = excluded.completion_micros_per_1k, updated_at_ms = excluded.updated_at_ms
                """,
                [price.model, price.promptPer1K.micros, price.completionPer1K.micros, now.millisecondsSince1970])
        }
    }

    // MARK: Rows

    static func rows(_ sql: String, _ arguments: SQLArguments, _ db: any SQLConnection) throws -> [Budget] {
        try db.fetchAll(sql, arguments).map(budget)
    }

    static func budget(_ row: SQLRow) throws -> Budget {
        let unitName = try row.decode(String.self, forColumn: "unit")
        guard let unit = Budget.Unit(rawValue: unitName) else {
            throw StoreError.corruptRow(table: "budgets", problem: "unknown unit \(unitName)")
        }
        let period: BudgetPeriod
        if try row.decode(String.self, forColumn: "period") == "window" {
            period = .window(
                start: Date(millisecondsSince1970: try row.decode(Int64.self, forColumn: "starts_at_ms")),
                end: Date(millisecondsSince1970: try row.decode(Int64.self, forColumn: "ends_at_ms")))
        } else {
            period = .monthly
        }
        return Budget(
            id: BudgetID(rawValue: try row.decode(forColumn: "id")),
            team: TeamReference(
                id: TeamID(rawValue: try row.decode(forColumn: "team_id")),
                organizationID: OrganizationID(rawValue: try row.decode(forColumn: "organization_id"))),
            subject: try Budget.Subject(
                kind: try row.decode(forColumn: "subject_kind"), id: try row.decode(forColumn: "subject_id")),
            unit: unit, amount: try row.decode(forColumn: "amount"), period: period,
            warnPercent: try row.decode(forColumn: "warn_percent"))
    }

    static func price(_ row: SQLRow) throws -> ModelPrice {
        try ModelPrice(
            model: try row.decode(forColumn: "model"),
            promptPer1K: Money(micros: try row.decode(forColumn: "prompt_micros_per_1k")),
            completionPer1K: Money(micros: try row.decode(forColumn: "completion_micros_per_1k")))
    }

    /// Each budget with its spend and reservations in the period containing `date`.
    static func statuses(of budgets: [Budget], at date: Date, _ db: any SQLConnection) throws -> [BudgetStatus] {
        try budgets.map { budget in
            let current = budget.period.current(at: date)
            var spent: Int64 = 0
            var reserved: Int64 = 0
            if let current,
                let row = try db.fetchOne(
                    "SELECT spent, reserved FROM budget_spend WHERE budget_id = ? AND period_start_ms = ?",
                    [budget.id.rawValue, current.start.millisecondsSince1970])
            {
                spent = try row.decode(forColumn: "spent")
                reserved = try row.decode(forColumn: "reserved")
            }
            return BudgetStatus(budget: budget, current: current, spent: spent, reserved: reserved)
        }
    }

    /// A user budget's user must be in the team; a key budget's key must be one of its keys.
    /// Anything else is "not found", whoever it belongs to.
    private static func requireSubject(_ subject: Budget.Subject, in team: TeamReference, _ db: any SQLConnection) throws {
        switch subject {
        case .team: return
        case let .user(user):
            let member = try db.exists(
                "SELECT EXISTS (SELECT 1 FROM team_members WHERE team_id = ? AND user_id = ?)",
                [team.id.rawValue, user.rawValue])
            if !member { throw StoreError.notFound(kind: "team member", address: user.rawValue) }
        case let .key(key):
            let own = try db.exists(
                "SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = ? AND team_id = ? AND organization_id = ?)",
                [key.rawValue, team.id.rawValue, team.organizationID.rawValue])
            if !own { throw StoreError.notFound(kind: "key", address: key.rawValue) }
        }
    }
}
