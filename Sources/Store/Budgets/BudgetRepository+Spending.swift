import Foundation
import Tenancy

extension BudgetRepository {
    /// How long a reservation holds unless renewed: one neither settled nor renewed by then
    /// (its replica died mid-request) is reclaimed by the next reservation of its budget. The
    /// accounting writer of the replica running the request renews its holds every
    /// ``holdRenewal`` (``renew(_:at:_:)``), so a crashed replica's reservations come back
    /// within minutes, not at the end of the longest request. A request whose hold was
    /// reclaimed anyway (its replica could not reach the database for that long) is settled
    /// without a hold: its spend still counts.
    ///
    /// Expiry is judged by each replica's clock: replicas need clocks within
    /// `holdLifetime - holdRenewal` of each other (NTP keeps them within milliseconds).
    public static let holdLifetime: TimeInterval = 300
    /// How often a replica renews the holds of its running requests.
    public static let holdRenewal: TimeInterval = 60

    /// Whether any budget applies to requests of `scope` (its team's, its user's, its key's):
    /// a read, so that callers who remember the answer (most keys have no budget) spare those
    /// requests ``reserve(promptTokens:completionTokens:model:in:at:)``'s write transaction.
    public func anyApply(to scope: TenantScope) async throws -> Bool {
        let (sql, arguments) = Self.applying(to: scope)
        return try await backend.read(in: scope) { db in try !Self.rows(sql, arguments, db).isEmpty }
    }

    /// The budgets that apply to requests of `scope`, in id order. A key's budget also holds the
    /// keys it minted, down the line (`created_by`), as its expiry and limits do: a key under a
    /// budget cannot mint itself a way around it.
    private static func applying(to scope: TenantScope) -> (String, SQLArguments) {
        let sql = KeyRepository.lineage + """

            SELECT * FROM budgets WHERE team_id = ? AND organization_id = ?
              AND (subject_kind = 'team' OR (subject_kind = 'user' AND subject_id = ?)
                   OR (subject_kind = 'key' AND subject_id IN (SELECT id FROM lineage)))
            ORDER BY id
            """
        return (
            sql,
            [
                scope.principal.keyID.rawValue, scope.teamID.rawValue, scope.organizationID.rawValue,
                scope.principal.userID.rawValue,
            ]
        )
    }

    /// Reserves, for one request of `scope`, its worst case — `promptTokens` plus
    /// `completionTokens` (its `max_tokens`), priced for `model` — in every budget that applies
    /// to it (its team's, its user's, its key's) for the period containing `date`; all or none.
    ///
    /// Exact across replicas: each budget is taken by one conditional `UPDATE` (spent +
    /// reserved + this request ≤ amount) on its row, which SQLite's single writer and
    /// PostgreSQL's row lock both serialize, so two requests racing for the last of a budget
    /// cannot both get it.
    /// - Throws: ``BudgetExhausted`` (nothing reserved) naming the first budget that has no
    ///   room.
    public func reserve(
        promptTokens: Int, completionTokens: Int, model: String, in scope: TenantScope, at date: Date = Date()
    ) async throws -> BudgetReservation {
        let (sql, arguments) = Self.applying(to: scope)
        return try await backend.write(in: scope) { db in
            let budgets = try Self.rows(sql, arguments, db)
            if budgets.isEmpty { return BudgetReservation.none }
            let price = try db.fetchOne("SELECT * FROM model_prices WHERE model = ?", [model]).map(Self.price)
            var lines: [BudgetReservation.Line] = []
            let holdID = UUID().uuidString
            // Rows are taken in id order, the order every transaction uses: no deadlocks.
            for budget in budgets {
                guard let current = budget.period.current(at: date) else { continue }
                let start = current.start.millisecondsSince1970
                var line = BudgetReservation.Line(budget: budget, periodStart: start, reserved: 0, price: price)
                let needed = line.spend(promptTokens: promptTokens, completionTokens: completionTokens)
                line = BudgetReservation.Line(budget: budget, periodStart: start, reserved: needed, price: price)
                try db.execute(
                    """
                    INSERT INTO budget_spend (budget_id, team_id, period_start_ms, spent, reserved, warned)
                    VALUES (?, ?, ?, 0, 0, 0) ON CONFLICT (budget_id, period_start_ms) DO NOTHING
                    """,
                    [budget.id.rawValue, scope.teamID.rawValue, start])
                try Self.reclaimExpiredHolds(of: budget.id, period: start, at: date, db)
                let taken = try db.execute(
                    """
                    UPDATE budget_spend SET reserved = reserved + ?
                    WHERE budget_id = ? AND period_start_ms = ? AND spent + reserved + ? <= ?
                    """,
                    // A spent budget refuses even a request that costs nothing (an unpriced model).
                    [needed, budget.id.rawValue, start, max(needed, 1), budget.amount])
                if taken == 0 {
                    let row = try db.fetchOne(
                        "SELECT spent, reserved FROM budget_spend WHERE budget_id = ? AND period_start_ms = ?",
                        [budget.id.rawValue, start])
                    var exhausted = BudgetExhausted(
                        budget: budget, spent: try row?.decode(Int64.self, forColumn: "spent") ?? 0,
                        reserved: try row?.decode(Int64.self, forColumn: "reserved") ?? 0, needed: needed,
                        resetsAt: current.end)
                    if case .key(let owner) = budget.subject { exhausted.onIssuingKey = owner != scope.principal.keyID }
                    throw exhausted
                }
                try db.execute(
                    """
                    INSERT INTO budget_holds (id, budget_id, team_id, period_start_ms, amount, expires_at_ms)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    [
                        holdID, budget.id.rawValue, scope.teamID.rawValue, start, needed,
                        date.addingTimeInterval(Self.holdLifetime).millisecondsSince1970,
                    ])
                lines.append(line)
            }
            return BudgetReservation(holdID: holdID, lines: lines)
        }
    }

    /// Settles reservations inside the accounting writer's transaction (the one that commits
    /// the requests' audit records and usage): each reservation is given back and what the
    /// request really used is spent. A budget whose spend passes its warning share gets its
    /// one alert of the period, in the same transaction (administrative: a batch spans teams).
    static func settle(_ settlements: [BudgetSettlement], at date: Date, _ db: any SQLConnection) throws {
        struct Key: Hashable, Comparable {
            let budget: String
            let period: Int64
            static func < (lhs: Key, rhs: Key) -> Bool { (lhs.budget, lhs.period) < (rhs.budget, rhs.period) }
        }
        // Summed per row and applied in id order, as reservations take them.
        var changes: [Key: (spent: Int64, released: Int64, line: BudgetReservation.Line)] = [:]
        for settlement in settlements {
            for line in settlement.reservation.lines {
                let key = Key(budget: line.budget.id.rawValue, period: line.periodStart)
                let spent = line.spend(promptTokens: settlement.promptTokens, completionTokens: settlement.completionTokens)
                // Only a hold still there is given back: an expired one was reclaimed already.
                let released = try db.fetchValue(
                    Int64.self, "DELETE FROM budget_holds WHERE id = ? AND budget_id = ? RETURNING amount",
                    [settlement.reservation.holdID, key.budget]) ?? 0
                let previous = changes[key]
                changes[key] = ((previous?.spent ?? 0) + spent, (previous?.released ?? 0) + released, line)
            }
        }
        for key in changes.keys.sorted() {
            guard let change = changes[key] else { continue }
            try db.execute(
                """
                UPDATE budget_spend SET spent = spent + ?,
                    reserved = CASE WHEN reserved > ? THEN reserved - ? ELSE 0 END
                WHERE budget_id = ? AND period_start_ms = ?
                """,
                [change.spent, change.released, change.released, key.budget, key.period])
            guard change.spent > 0 else { continue }
            let warned = try db.execute(
                """
                UPDATE budget_spend SET warned = 1
                WHERE budget_id = ? AND period_start_ms = ? AND warned = 0
                  AND spent * 100 >= (SELECT amount * warn_percent FROM budgets WHERE id = budget_spend.budget_id)
                """,
                [key.budget, key.period])
            if warned == 1 { try warn(change.line.budget.id, period: key.period, at: date, db) }
        }
    }

    /// Pushes the expiry of running requests' holds (`holdIDs`, each with a row per budget) to
    /// ``holdLifetime`` after `date`; never earlier than it was. Inside the accounting writer's
    /// transaction (administrative: a replica's running requests span teams).
    static func renew(_ holdIDs: [String], at date: Date, _ db: any SQLConnection) throws {
        let expiry = date.addingTimeInterval(holdLifetime).millisecondsSince1970
        // In slices, within every backend's limit on bound parameters.
        for start in stride(from: 0, to: holdIDs.count, by: 500) {
            let slice = holdIDs[start..<min(start + 500, holdIDs.count)]
            let placeholders = Array(repeating: "?", count: slice.count).joined(separator: ", ")
            var arguments: SQLArguments = [expiry, expiry]
            for id in slice { arguments += [id] }
            try db.execute(
                """
                UPDATE budget_holds SET expires_at_ms = CASE WHEN expires_at_ms < ? THEN ? ELSE expires_at_ms END
                WHERE id IN (\(placeholders))
                """,
                arguments)
        }
    }

    /// Gives back the reservations of holds past their lifetime (requests whose replica died
    /// before settling them); a hold is deleted by exactly one transaction, so reclaimed once.
    private static func reclaimExpiredHolds(of budget: BudgetID, period: Int64, at date: Date, _ db: any SQLConnection)
        throws
    {
        let expired = try db.fetchAll(
            "DELETE FROM budget_holds WHERE budget_id = ? AND period_start_ms = ? AND expires_at_ms <= ? RETURNING amount",
            [budget.rawValue, period, date.millisecondsSince1970]
        ).reduce(Int64(0)) { $0 + (try $1.decode(Int64.self, forColumn: "amount")) }
        guard expired > 0 else { return }
        try db.execute(
            """
            UPDATE budget_spend SET reserved = CASE WHEN reserved > ? THEN reserved - ? ELSE 0 END
            WHERE budget_id = ? AND period_start_ms = ?
            """,
            [expired, expired, budget.rawValue, period])
    }

    /// The warning alert of a budget that passed its share: ids, kinds and figures only.
    private static func warn(_ id: BudgetID, period: Int64, at date: Date, _ db: any SQLConnection) throws {
        guard let budget = try rows("SELECT * FROM budgets WHERE id = ?", [id.rawValue], db).first,
            let spent = try db.fetchValue(
                Int64.self, "SELECT spent FROM budget_spend WHERE budget_id = ? AND period_start_ms = ?",
                [id.rawValue, period])
        else { return }
        let subject = budget.subject == .team ? "team" : "\(budget.subject.kind) \(budget.subject.id)"
        let unit = budget.unit == .tokens ? "tokens" : "cost"
        let detail =
            "budget \(budget.id) (\(subject), \(budget.period.kind), \(unit)) passed \(budget.warnPercent)%: "
            + "\(Budget.text(spent, unit: budget.unit)) of \(budget.amountText) spent"
        _ = try AlertLog.append(
            Alert(
                occurredAt: date, kind: .budgetWarning, address: nil, organizationID: budget.team.organizationID,
                teamID: budget.team.id, detail: detail),
            db)
    }
}
