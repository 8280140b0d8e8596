import Foundation
import Tenancy

extension AtriumStore {
    /// Commits a batch of request bookkeeping — audit records, usage, key last-use times, budget
    /// settlements, the renewal of running requests' budget holds (`renewingHolds`, their
    /// ``BudgetReservation/holdID``s) — in one transaction, blocking the calling thread.
    ///
    /// For the gateway's accounting writer, which runs on its own low-priority thread so that
    /// bookkeeping never competes with requests for a core; everything else uses the async
    /// repositories. All or nothing: on error the batch is not written and may be retried.
    /// An administrative transaction: one batch holds many teams' records, and the audit chain
    /// belongs to none of them.
    @discardableResult
    public func commitAccounting(
        audits: [AuditEntry], usage: [UsageEntry], keyUses: [APIKeyID: Date], budgets: [BudgetSettlement] = [],
        renewingHolds: [String] = [], at date: Date = Date()
    ) throws -> [AuditRecord] {
        let queryText = audit.queryText
        return try backend.writeBlocking(in: nil) { db in
            let records = try AuditLog.appendChained(audits, queryText: queryText, db)
            for entry in usage { try UsageLedger.add(entry, db) }
            for (key, date) in keyUses { try KeyRepository.recordUse(of: key, at: date, db) }
            // Budgets settle with the usage they count, in the same transaction.
            if !renewingHolds.isEmpty { try BudgetRepository.renew(renewingHolds, at: date, db) }
            if !budgets.isEmpty { try BudgetRepository.settle(budgets, at: date, db) }
            return records
        }
    }
}
