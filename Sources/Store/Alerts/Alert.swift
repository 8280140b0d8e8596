import Foundation
import Tenancy

/// One security alert: what happened, from which client address, and — when a key was
/// presented and found — the key's organization, team and display prefix. Never the key.
public struct Alert: Sendable, Hashable {
    public let occurredAt: Date
    public let kind: AlertKind
    /// The client address (IPv4 or IPv6 text), when known.
    public let address: String?
    public let organizationID: OrganizationID?
    public let teamID: TeamID?
    /// The key's display prefix (`atr_AbCdEfGh`), safe to show.
    public let keyPrefix: String?
    /// What was attempted, in ids and codes (never request content or another tenant's ids).
    public let detail: String
    /// For a cross-team attempt, the organization and team it reached for: their admins see
    /// the alert too (the attempting key's side never learns these ids).
    public let targetOrganizationID: OrganizationID?
    public let targetTeamID: TeamID?

    public init(
        occurredAt: Date, kind: AlertKind, address: String?, organizationID: OrganizationID? = nil,
        teamID: TeamID? = nil, keyPrefix: String? = nil, detail: String,
        targetOrganizationID: OrganizationID? = nil, targetTeamID: TeamID? = nil
    ) {
        self.targetOrganizationID = targetOrganizationID
        self.targetTeamID = targetTeamID
        self.occurredAt = occurredAt
        self.kind = kind
        self.address = address
        self.organizationID = organizationID
        self.teamID = teamID
        self.keyPrefix = keyPrefix
        self.detail = detail
    }
}

/// An alert as stored, with its id (ascending in time of recording).
public struct AlertRecord: Sendable, Hashable {
    public let id: Int64
    public let alert: Alert
}
