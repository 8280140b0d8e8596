import Foundation
import Store
import Tenancy

/// The budget stage: holds a generating request to every budget that applies to it — its
/// team's, its user's, its key's; in tokens or cost; monthly or over a window — beside the
/// limit stage (which keeps the rates, the concurrency and the monthly token limit).
///
/// Once the prompt is composed it reserves the request's worst case in the shared store, all
/// or nothing, and answers 429 `insufficient_quota` when any budget has no room (naming that
/// budget, which is the caller's own, and when it resets). The request's ``BudgetHold`` then
/// settles to the tokens really used — or releases everything if it fails or is cancelled —
/// in the accounting transaction that writes its audit record and usage. A cached answer
/// reserves and spends nothing. Requests that generate nothing (embeddings, search) are not
/// charged to budgets.
public struct BudgetStage: Sendable {
    let store: AtriumStore
    /// Remembers which keys have no budget at all (most): their requests skip the store.
    let cache: DirectoryCache
    let writer: AccountingWriter
    let now: @Sendable () -> Date

    /// The most tokens the composed prompt can take (``TokenEstimate/promptCeiling(of:)``, the
    /// most an upstream's usage may charge for it too): larger than the estimate limits use
    /// on purpose — a reservation below the real count could let two replicas overspend the
    /// last of a budget.
    static func worstCasePrompt(of messages: [ChatTurn]) -> Int {
        TokenEstimate.promptCeiling(of: messages)
    }

    /// Reserves `request`'s worst case in its budgets, or throws the 429 (recorded in `audit`).
    func reserve(_ request: GenerationRequest, in scope: TenantScope, audit: RequestAudit) async throws -> BudgetHold {
        let key = scope.principal.keyID
        guard try await cache.budgetsApply(to: key, load: { try await store.budgets.anyApply(to: scope) }) else {
            return BudgetHold(.none, audit: audit, writer: writer)
        }
        let date = now()
        do {
            let reservation = try await store.budgets.reserve(
                promptTokens: Self.worstCasePrompt(of: request.messages), completionTokens: request.sampling.maxTokens,
                model: request.model, in: scope, at: date)
            return BudgetHold(reservation, audit: audit, writer: writer)
        } catch let exhausted as BudgetExhausted {
            audit.decided(.deny(.budgetExhausted))
            let wait =
                exhausted.fitsAfterRunningRequests ? 1 : max(1, Int(exhausted.resetsAt.timeIntervalSince(date).rounded(.up)))
            throw GatewayError(.quotaExhausted, exhausted.message, code: DenialReason.budgetExhausted.rawValue, retryAfter: wait)
        }
    }
}

extension BudgetStage {
    /// Samples every team's budgets from the shared store into `metrics` (at scrape time, so
    /// every replica shows the same figures): `atrium_budget_amount`, `…_spent` and
    /// `…_remaining`, labelled by team, budget id, subject kind and unit (tokens, or cost in
    /// the owner's currency unit).
    public func publish(to metrics: AtriumMetrics) async throws {
        for status in try await store.budgets.allBudgets(at: now()) {
            let budget = status.budget
            let labels = [
                ("team", budget.team.id.rawValue), ("budget", budget.id.rawValue), ("subject", budget.subject.kind),
                ("unit", budget.unit.rawValue),
            ]
            let scale = budget.unit == .cost ? Double(Money.scale) : 1
            metrics.gauge(AtriumMetrics.Name.budgetAmount, Double(budget.amount) / scale, labels: labels)
            metrics.gauge(AtriumMetrics.Name.budgetSpent, Double(status.spent) / scale, labels: labels)
            metrics.gauge(AtriumMetrics.Name.budgetRemaining, Double(status.remaining) / scale, labels: labels)
        }
    }
}
