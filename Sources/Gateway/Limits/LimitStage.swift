import Foundation
import Retrieval
import Store
import Tenancy

/// The limit stage: holds each data-plane request to its team's and its key's limits —
/// requests and tokens per minute (token buckets), requests at once, and the team's monthly
/// token budget (calendar month, UTC).
///
/// It runs in two steps around profile and compose. ``admit(_:audit:)``, right after
/// authorize, takes a request and a running slot (and checks the month's budget);
/// ``Admission/reserve(tokens:)``, once the prompt is composed and `max_tokens` known,
/// charges the tokens. A refusal at either step gives everything back and answers 429 with
/// `Retry-After`, recorded in the audit with its reason: a refused request starts no
/// generation and is charged nothing.
///
/// Limits are read through the ``DirectoryCache``, which every limits change empties, so a
/// new limit applies to the very next request. The counters (``LimitCounters``) live in this
/// process's memory on the embedded store, and in the database every replica shares on
/// PostgreSQL; the monthly figure starts from the usage ledger and follows every request that
/// ends.
public struct LimitStage: Sendable {
    let store: AtriumStore
    let cache: DirectoryCache
    /// In memory for the embedded store; in the database for PostgreSQL, shared by replicas.
    let counters: any LimitCounters
    let now: @Sendable () -> Date

    /// Admits one request of `scope`, or throws the 429 (recorded in `audit`).
    func admit(_ scope: TenantScope, audit: RequestAudit) async throws -> Admission {
        let limits = try await cache.limits(of: scope.principal.keyID) { try await store.limits.requestLimits(in: scope) }
        let date = now()
        let month = UTCMonth.key(of: date)
        let subjects = LimitSubject.subjects(of: scope, limits: limits)
        let lease = Self.newLease()
        if let exceeded = try await counters.admit(
            subjects, scope: scope, lease: lease, month: month, monthlyBudget: limits.team.monthlyTokens, at: date)
        {
            throw refusal(exceeded, audit: audit)
        }
        return Admission(
            counters: counters, subjects: subjects, scope: scope, lease: lease, month: month, weight: limits.team.weight,
            now: now)
    }

    /// Charges the composed request's tokens to the admission, or throws the 429 (recorded
    /// in `audit`; the admission is then given back).
    func reserve(_ request: GenerationRequest, in admission: Admission, audit: RequestAudit) async throws {
        do {
            try await admission.reserve(tokens: TokenEstimate.upperBound(of: request))
        } catch let exceeded as LimitExceeded {
            throw refusal(exceeded, audit: audit)
        }
    }

    /// Holds a data-plane request that generates nothing (models, embeddings, search,
    /// documents) to the same limits for its whole duration: a request and a running slot
    /// while `body` runs, refused up front when the team's or key's tokens per minute are
    /// already spent, and — once it ends — charged the tokens it recorded in `audit` (the
    /// embedding model's tokens), which only then are known. Once the request has read its
    /// input it reserves the most it can embed (``reserve(atMost:)``), so that many requests at
    /// once cannot run a team far past its token rate; a request that cannot say (an upload,
    /// whose chunks are not known yet) takes a team one request past it, and the next one waits
    /// until the debt is refilled. A request that ends early — its client gone, a failure after
    /// the model ran — is charged the embedding passes it got (``EmbeddingSpend``), in its
    /// limits and its usage, not given them back.
    public func metered<T: Sendable>(
        _ scope: TenantScope, audit: RequestAudit, _ body: () async throws -> T
    ) async throws -> T {
        let admission = try await admit(scope, audit: audit)
        do {
            // Nothing yet, but refused while the team's tokens are in debt.
            try await admission.reserve(tokens: 0)
        } catch let exceeded as LimitExceeded {
            throw refusal(exceeded, audit: audit)
        }
        let spend = EmbeddingSpend()
        do {
            let value = try await Self.$meter.withValue(Meter(stage: self, admission: admission, audit: audit)) {
                try await EmbeddingSpend.$current.withValue(spend) { try await body() }
            }
            await admission.finish(audit.snapshot().usage)
            return value
        } catch {
            if spend.tokens > 0 {
                let spent = Usage(promptTokens: spend.tokens, completionTokens: 0)
                audit.served(spent)
                await admission.finish(spent)
            } else {
                await admission.cancel()
            }
            throw error
        }
    }

    /// The admission of the metered request this task serves.
    @TaskLocal private static var meter: Meter?

    private struct Meter: Sendable {
        let stage: LimitStage
        let admission: Admission
        let audit: RequestAudit
    }

    /// Reserves, for the metered request this task serves, the most tokens it can embed — known
    /// once its input is read; refused (429, as at admission) when the team's or key's tokens
    /// per minute cannot hold them (a full bucket holds any one request, which then leaves it in
    /// debt). The tokens it embedded are what it is charged when it ends. Outside a metered
    /// request, nothing happens.
    public static func reserve(atMost tokens: Int) async throws {
        guard let meter, tokens > 0 else { return }
        do {
            try await meter.admission.reserve(tokens: tokens)
        } catch let exceeded as LimitExceeded {
            throw meter.stage.refusal(exceeded, audit: meter.audit)
        }
    }

    /// 128 random bits naming one admission's slots in the counters: `getrandom`, where
    /// Foundation's `UUID()` opens, reads and closes `/dev/urandom` on every request.
    static func newLease() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return String(high, radix: 36) + "-" + String(low, radix: 36)
    }

    private func refusal(_ exceeded: LimitExceeded, audit: RequestAudit) -> GatewayError {
        audit.decided(.deny(exceeded.reason))
        return exceeded.error
    }
}
