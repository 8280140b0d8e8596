import Foundation
import Tenancy

/// What the account stage knows about one request, allowed or denied, before it is chained
/// into the log. Who and which team come only from the key (``KeyIdentity``), never from
/// the request — or, with no key, from the store's own record of who someone is
/// (``person``).
public struct AuditEntry: Sendable {
    public let occurredAt: Date
    public let requestID: String?
    public let identity: KeyIdentity?
    /// The user and their organization where no key names them: an SSO sign-in refused after
    /// the identity provider vouched for the person (it may still have made the user, or
    /// removed their memberships). A key's ``identity`` comes first.
    public let person: (user: UserID, organization: OrganizationID)?
    /// Usually an ``Action`` raw value (`"chat"`); any route name for requests that never got
    /// as far as an action.
    public let action: String
    /// What was asked for, as the request named it (`"team:team_…"`, `"collection:faq"`,
    /// or the foreign team of a cross-team attempt).
    public let resource: String
    public let decision: Decision
    /// The query or prompt text; the log keeps it per its ``QueryTextPolicy``.
    public let query: String?
    public let promptTokens: Int
    public let completionTokens: Int
    public let latencyMilliseconds: Int
    public let cacheHit: Bool
    /// Ids of the sources used (document ids, chunk refs).
    public let sources: [String]
    /// The address the request came from (as intrusion detection counts it), if known.
    public let clientAddress: String?
    /// What a stage noticed about an allowed request without refusing it (a guardrail's
    /// `flag`, e.g. `prompt_injection:input`).
    public let flags: [String]

    public init(
        occurredAt: Date = Date(), requestID: String? = nil, identity: KeyIdentity?, action: String,
        resource: String, decision: Decision, query: String? = nil, promptTokens: Int = 0,
        completionTokens: Int = 0, latencyMilliseconds: Int = 0, cacheHit: Bool = false, sources: [String] = [],
        clientAddress: String? = nil, flags: [String] = [], person: (user: UserID, organization: OrganizationID)? = nil
    ) {
        self.occurredAt = occurredAt
        self.requestID = requestID
        self.identity = identity
        self.person = person
        self.action = action
        self.resource = resource
        self.decision = decision
        self.query = query
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.latencyMilliseconds = latencyMilliseconds
        self.cacheHit = cacheHit
        self.sources = sources
        self.clientAddress = clientAddress
        self.flags = flags
    }

    /// An entry for an authenticated principal.
    public init(
        principal: Principal, action: Action, resource: Resource, decision: Decision, occurredAt: Date = Date(),
        requestID: String? = nil, query: String? = nil
    ) {
        self.init(
            occurredAt: occurredAt, requestID: requestID, identity: principal.identity, action: action.rawValue,
            resource: resource.description, decision: decision, query: query)
    }

    /// An entry for a refused key (unknown, expired, revoked, holder removed).
    public init(
        failure: AuthenticationFailure, action: String, resource: String, occurredAt: Date = Date(),
        requestID: String? = nil, query: String? = nil
    ) {
        self.init(
            occurredAt: occurredAt, requestID: requestID, identity: failure.identity, action: action,
            resource: resource, decision: .deny(failure.reason), query: query)
    }
}
