import Store
import Synchronization

/// What one admitted request holds of its budgets, until it ends. Exactly one ending
/// applies, the first one called: ``finish(_:)`` with the usage settles the reservation to
/// it; ``finish(_:)`` without usage, or dropping the hold, releases it whole. Until then the
/// accounting writer renews the reservation's holds in the store, so that they expire only
/// if this replica dies.
///
/// The settlement travels with the request's audit record, so the accounting writer commits
/// spend, usage and audit in one transaction; a hold that ends after its record was written
/// (it cannot on the pipeline's paths) goes to the writer on its own.
final class BudgetHold: Sendable {
    private let reservation: BudgetReservation
    private let audit: RequestAudit
    private let writer: AccountingWriter
    private let ended = Mutex(false)

    init(_ reservation: BudgetReservation, audit: RequestAudit, writer: AccountingWriter) {
        self.reservation = reservation
        self.audit = audit
        self.writer = writer
        writer.holdBegan(reservation)
    }

    deinit {
        finish(nil)
    }

    /// Ends the hold: spends `usage` (or, `nil`, nothing) and gives the reservation back.
    func finish(_ usage: Usage?) {
        guard !reservation.isEmpty, ended.withLock({ ended in defer { ended = true }; return !ended }) else { return }
        let settlement = usage.map {
            BudgetSettlement(reservation, promptTokens: $0.promptTokens, completionTokens: $0.completionTokens)
        } ?? .release(reservation)
        writer.holdEnded(reservation)
        if !audit.settles(settlement) { writer.settle(settlement) }
    }
}
