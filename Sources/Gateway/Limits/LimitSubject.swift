import Store
import Tenancy

/// Who a limit belongs to — a team or one key — and the per-minute and concurrency limits it
/// holds that request to.
struct LimitSubject: Sendable, Hashable {
    enum Owner: Sendable, Hashable {
        case team(TeamReference)
        case key(APIKeyID)
    }

    let owner: Owner
    let requestsPerMinute: Int?
    let tokensPerMinute: Int?
    let maxConcurrent: Int?
    /// A key up the line that minted the request's key: its counters are that key's own.
    var isIssuer = false

    /// The team's and the key's limits of a request, team first, then those of the keys that
    /// minted the key (counted under their own keys, with their own requests).
    static func subjects(of scope: TenantScope, limits: RequestLimits) -> [LimitSubject] {
        var subjects = [
            LimitSubject(
                owner: .team(scope.team), requestsPerMinute: limits.team.requestsPerMinute,
                tokensPerMinute: limits.team.tokensPerMinute, maxConcurrent: limits.team.maxConcurrent),
            LimitSubject(
                owner: .key(scope.principal.keyID), requestsPerMinute: limits.key.requestsPerMinute,
                tokensPerMinute: limits.key.tokensPerMinute, maxConcurrent: limits.key.maxConcurrent),
        ]
        for (issuer, limits) in limits.issuers.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            subjects.append(
                LimitSubject(
                    owner: .key(issuer), requestsPerMinute: limits.requestsPerMinute,
                    tokensPerMinute: limits.tokensPerMinute, maxConcurrent: limits.maxConcurrent, isIssuer: true))
        }
        return subjects
    }

    /// "The team's", "This key's" or "The issuing key's", for messages.
    var possessive: String {
        switch owner {
        case .team: "The team's"
        case .key: isIssuer ? "The issuing key's" : "This key's"
        }
    }
}
