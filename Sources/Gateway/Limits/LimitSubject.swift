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

    /// The team's and the key's limits of a request, team first.
    static func subjects(of scope: TenantScope, limits: RequestLimits) -> [LimitSubject] {
        [
            LimitSubject(
                owner: .team(scope.team), requestsPerMinute: limits.team.requestsPerMinute,
                tokensPerMinute: limits.team.tokensPerMinute, maxConcurrent: limits.team.maxConcurrent),
            LimitSubject(
                owner: .key(scope.principal.keyID), requestsPerMinute: limits.key.requestsPerMinute,
                tokensPerMinute: limits.key.tokensPerMinute, maxConcurrent: limits.key.maxConcurrent),
        ]
    }

    /// "The team's" or "This key's", for messages.
    var possessive: String {
        switch owner {
        case .team: "The team's"
        case .key: "This key's"
        }
    }
}
