import Foundation
import Tenancy

/// The in-memory counters as the limit stage uses them; the team's month starts from the
/// usage ledger the first time it is needed.
extension Limiter: LimitCounters {
    func admit(
        _ subjects: [LimitSubject], scope: TenantScope, lease: String, month: String, monthlyBudget: Int?, at date: Date
    ) async throws -> LimitExceeded? {
        if let ledger, monthlyTokens(of: scope.team, month: month) == nil {
            installMonth(month, tokens: try await ledger.monthlyTokens(in: scope, containing: date), for: scope.team)
        }
        return admit(subjects, team: scope.team, month: month, monthlyBudget: monthlyBudget, at: date)
    }

    func reserve(_ tokens: Int, for subjects: [LimitSubject], scope: TenantScope, at date: Date) async throws
        -> LimitExceeded?
    {
        reserve(tokens, for: subjects, at: date)
    }

    func release(
        _ subjects: [LimitSubject], scope: TenantScope, lease: String, tokensBack: Double, requestBack: Bool,
        month: String, usedTokens: Int
    ) async {
        release(subjects, tokensBack: tokensBack, requestBack: requestBack)
        settle(usedTokens, team: scope.team, month: month)
    }

    func running(_ owner: LimitSubject.Owner, scope: TenantScope) async throws -> Int {
        running(owner)
    }
}
