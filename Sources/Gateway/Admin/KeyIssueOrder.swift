import Foundation
import Tenancy

/// `POST /v1/admin/keys` as the client asked: for whom, where, with which role. A missing
/// place means the creator's own binding; a missing role means the holder's role there.
public struct KeyIssueOrder: Sendable, Hashable {
    public var user: String
    public var team: String?
    public var organization: String?
    public var role: String?
    public var name: String?
    public var expiresAt: Date?
    /// The key's own limits (`limits` of the body); the team's apply as well.
    public var limits: KeyLimits

    public init(
        user: String, team: String? = nil, organization: String? = nil, role: String? = nil, name: String? = nil,
        expiresAt: Date? = nil, limits: KeyLimits = .unlimited
    ) {
        self.user = user
        self.team = team
        self.organization = organization
        self.role = role
        self.name = name
        self.expiresAt = expiresAt
        self.limits = limits
    }
}
