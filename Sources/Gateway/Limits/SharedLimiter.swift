import Foundation
import Logging
import Store
import Tenancy

/// The limit counters every replica shares, in the PostgreSQL store (``SharedLimitCounters``):
/// requests per minute and tokens per minute within one request of exact across replicas
/// (each check-and-take is one atomic statement), running requests and the team's month
/// exact; a replica that dies leaves no slot held (its leases die with its connection).
final class SharedLimiter: LimitCounters {
    private let counters: SharedLimitCounters
    private let logger: Logger

    init(counters: SharedLimitCounters, logger: Logger) {
        self.counters = counters
        self.logger = logger
    }

    func admit(
        _ subjects: [LimitSubject], scope: TenantScope, lease: String, month: String, monthlyBudget: Int?, at date: Date
    ) async throws -> LimitExceeded? {
        let refusals = try await counters.admit(
            subjects.map(Self.subject), in: scope, lease: lease, month: month, monthlyBudget: monthlyBudget, at: date)
        return LimitExceeded.latest(
            refusals.map { refusal -> LimitExceeded in
                let subject = refusal.subject.flatMap { subjects.indices.contains($0) ? subjects[$0] : nil }
                switch (refusal.limit, subject) {
                case let (.concurrency, subject?):
                    return .concurrency(subject, limit: subject.maxConcurrent ?? 0)
                case let (.requestsPerMinute, subject?):
                    return .requestRate(subject, limit: subject.requestsPerMinute ?? 0, wait: refusal.retryAfter)
                default:
                    return .monthlyBudget(monthlyBudget ?? 0, at: date)
                }
            })
    }

    func reserve(_ tokens: Int, for subjects: [LimitSubject], scope: TenantScope, at date: Date) async throws
        -> LimitExceeded?
    {
        let refusals = try await counters.reserve(tokens, for: subjects.map(Self.subject), in: scope, at: date)
        return LimitExceeded.latest(
            refusals.compactMap { refusal -> LimitExceeded? in
                guard let index = refusal.subject, subjects.indices.contains(index) else { return nil }
                let subject = subjects[index]
                return .tokenRate(subject, limit: subject.tokensPerMinute ?? 0, tokens: tokens, wait: refusal.retryAfter)
            })
    }

    func release(
        _ subjects: [LimitSubject], scope: TenantScope, lease: String, tokensBack: Double, requestBack: Bool,
        month: String, usedTokens: Int
    ) async {
        let counters = counters
        let subjects = subjects.map(Self.subject)
        do {
            // In a task of its own: a request's task may be cancelled (its client went away),
            // and its slot must come back all the same.
            try await Task {
                try await counters.release(
                    subjects, in: scope, lease: lease, tokensBack: tokensBack, requestBack: requestBack, month: month,
                    usedTokens: usedTokens)
            }.value
        } catch {
            // The slot stays held until this replica ends; the tokens are not given back.
            logger.error(
                "releasing a request's limits failed",
                metadata: ["team.id": "\(scope.teamID)", "error": "\(error)"])
        }
    }

    func running(_ owner: LimitSubject.Owner, scope: TenantScope) async throws -> Int {
        try await counters.running(Self.id(of: owner), in: scope)
    }

    static func id(of owner: LimitSubject.Owner) -> String {
        switch owner {
        case let .team(team): "team:\(team.id.rawValue)"
        case let .key(key): "key:\(key.rawValue)"
        }
    }

    private static func subject(_ subject: LimitSubject) -> SharedLimitCounters.Subject {
        SharedLimitCounters.Subject(
            id: id(of: subject.owner), requestsPerMinute: subject.requestsPerMinute,
            tokensPerMinute: subject.tokensPerMinute, maxConcurrent: subject.maxConcurrent)
    }
}
