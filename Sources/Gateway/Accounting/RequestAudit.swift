import Foundation
import Store
import Synchronization
import Tenancy

/// What one request did, filled in stage by stage and written as exactly one audit record
/// (and, for served data-plane requests, one usage entry) when it ends.
///
/// The server makes one per request; the stages record who asked (``authenticated(_:)`` or
/// ``refused(_:)``), what for (``describe(action:resource:)``), the policy's answer
/// (``decided(_:)``), the query and the tokens. ``Accountant/finish(_:)`` writes it once,
/// whatever path the request took; a request that failed before any decision (malformed
/// input) is recorded as denied with `action_does_not_apply`.
public final class RequestAudit: Sendable {
    public let requestID: String
    public let clientAddress: String?
    let startedAt: ContinuousClock.Instant
    let occurredAt: Date
    private let state: Mutex<State>

    struct State {
        var identity: KeyIdentity?
        var person: (user: UserID, organization: OrganizationID)?
        var scope: TenantScope?
        var action: String
        var resource: String
        var decision: Decision?
        /// What a cross-tenant attempt reached for (its alert goes to that side's admins too);
        /// never written to the record, which the attempting key's side reads.
        var target: Resource?
        var query: String?
        var usage = Usage.zero
        var metered = false
        var cacheHit = false
        var sources: [String] = []
        var flags: [String] = []
        var finishesWithStream = false
        var finished = false
        /// The request's budget settlements, committed with its record.
        var budgets: [BudgetSettlement] = []
    }

    /// - Parameters:
    ///   - action: what the route does (an ``Action`` raw value), refined by the stages.
    ///   - resource: what it is about, as far as the route knows before authentication.
    ///   - clientAddress: where the request came from, for the record.
    public init(
        requestID: String, action: String, resource: String, clientAddress: String? = nil, occurredAt: Date = Date()
    ) {
        self.requestID = requestID
        self.clientAddress = clientAddress
        self.occurredAt = occurredAt
        startedAt = ContinuousClock.now
        state = Mutex(State(action: action, resource: resource))
    }

    /// The key was accepted: the record names it, and team data is metered under its scope.
    public func authenticated(_ principal: Principal) {
        state.withLock {
            $0.identity = principal.identity
            $0.scope = principal.tenantScope
        }
    }

    /// Who the request is about where no key says it: the user an SSO sign-in found or made,
    /// when it ends without a session (``AuditEntry/person``).
    public func identified(user: UserID, in organization: OrganizationID) {
        state.withLock { $0.person = (user, organization) }
    }

    /// The key was refused.
    public func refused(_ failure: AuthenticationFailure) {
        state.withLock {
            $0.identity = failure.identity
            $0.decision = .deny(failure.reason)
        }
    }

    /// What the request turned out to be about.
    public func describe(action: Action, resource: String) {
        describe(action: action.rawValue, resource: resource)
    }

    public func describe(action: String, resource: String) {
        state.withLock {
            $0.action = action
            $0.resource = resource
        }
    }

    /// A cross-tenant attempt: the record names the resource only in the caller's own words
    /// (`team 'globex/research'`), never by another tenant's resolved ids; `target` is kept
    /// for the alert the attempt raises.
    public func reachedAcross(for target: Resource?, named resource: String) {
        state.withLock {
            $0.resource = resource
            $0.target = target
        }
    }

    /// The policy's answer (the first one counts: a later stage cannot turn a denial around).
    public func decided(_ decision: Decision) {
        state.withLock { if $0.decision == nil || $0.decision == .allow { $0.decision = decision } }
    }

    public func query(_ text: String?) {
        state.withLock { $0.query = text }
    }

    /// Tokens used by a served data-plane request; marks it for the usage ledger. Sources
    /// recorded before (``retrieved(_:)``) are kept unless `sources` names others.
    /// - Parameter cacheHit: the answer came from the team's response cache (the record says
    ///   so, and the ledger counts a cache hit instead of the tokens, which the model did not
    ///   spend again).
    public func served(_ usage: Usage, sources: [String] = [], cacheHit: Bool = false) {
        state.withLock {
            $0.usage = usage
            if !sources.isEmpty { $0.sources = sources }
            $0.metered = true
            $0.cacheHit = cacheHit
        }
    }

    /// The knowledge the request used or touched: chunk references (`doc_…#3`) of a search
    /// or a chat's retrieval, document ids of an upload or delete.
    public func retrieved(_ sources: [String]) {
        state.withLock { $0.sources = sources }
    }

    /// Something a stage noticed and let through (a guardrail's `flag`): kept in the record,
    /// once per kind.
    public func flag(_ flag: String) {
        state.withLock { if !$0.flags.contains(flag) { $0.flags.append(flag) } }
    }

    /// How the request was answered: an allowed request that still failed (the user it named
    /// was not found, its body was refused) is flagged `failed:404` — without it the record
    /// read "allow" alone. Refusals carry their reason instead.
    public func answered(status: Int) {
        guard status >= 400 else { return }
        state.withLock {
            let flag = "failed:\(status)"
            // Undecided and failed — the store down while authenticating, a body refused before
            // any check —: a failure or an invalid request, not one of the authorization
            // refusals a record without a decision would otherwise read as.
            if $0.decision == nil { $0.decision = .deny(status >= 500 ? .serverFailure : .invalidRequest) }
            if $0.decision == .allow || $0.decision == .deny(.serverFailure) || $0.decision == .deny(.invalidRequest),
                !$0.flags.contains(flag)
            {
                $0.flags.append(flag)
            }
        }
    }

    /// The response streams: the record is written when the stream ends, not when the
    /// handler returns.
    public func finishesWithStream() {
        state.withLock { $0.finishesWithStream = true }
    }

    /// Carries a budget settlement into the record's transaction; false once the record was
    /// written (the caller then hands it to the writer itself).
    func settles(_ settlement: BudgetSettlement) -> Bool {
        state.withLock { state in
            guard !state.finished else { return false }
            state.budgets.append(settlement)
            return true
        }
    }

    var writesWithStream: Bool { state.withLock { $0.finishesWithStream } }

    /// Whether the record was written (handed to the writer) already.
    public var isClosed: Bool { state.withLock { $0.finished } }

    /// What the request has recorded so far (intrusion detection reads the outcome).
    func snapshot() -> State {
        state.withLock { $0 }
    }

    /// The final state, once: `nil` if it was already taken.
    func close() -> State? {
        state.withLock { state in
            guard !state.finished else { return nil }
            state.finished = true
            return state
        }
    }
}
