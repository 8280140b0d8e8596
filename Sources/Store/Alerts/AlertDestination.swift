import Foundation
import Tenancy

/// A webhook that receives security alerts: platform-wide (every alert) or an organization's
/// (the alerts that concern it, optionally only some kinds or teams). Its signing secret is
/// not part of this value: it is returned once, at creation, and read only by the delivery
/// queue.
public struct AlertDestination: Sendable, Hashable {
    public let id: AlertDestinationID
    /// `nil`: platform-wide (the owner's).
    public let organizationID: OrganizationID?
    public let url: WebhookURL
    public let name: String?
    /// Empty: every kind.
    public let kinds: Set<AlertKind>
    /// Empty: every team of the organization (and alerts about the organization as a whole).
    public let teams: Set<TeamID>
    public let createdAt: Date

    public init(
        id: AlertDestinationID, organizationID: OrganizationID?, url: WebhookURL, name: String?, kinds: Set<AlertKind>,
        teams: Set<TeamID>, createdAt: Date
    ) {
        self.id = id
        self.organizationID = organizationID
        self.url = url
        self.name = name
        self.kinds = kinds
        self.teams = teams
        self.createdAt = createdAt
    }

    /// Whether this destination receives `alert`: a platform-wide one every alert; an
    /// organization's one the alerts that concern its organization, of its kinds and teams.
    public func receives(_ alert: Alert) -> Bool {
        guard kinds.isEmpty || kinds.contains(alert.kind) else { return false }
        guard let organizationID else { return true }
        guard alert.concernedOrganizations.contains(organizationID) else { return false }
        return teams.isEmpty || !teams.isDisjoint(with: alert.concernedTeams(in: organizationID))
    }
}

/// What a new destination should be; ``AlertDestinationRepository/create(_:grants:now:)``
/// checks it against the grants.
public struct AlertDestinationDraft: Sendable, Hashable {
    public static let maximumNameLength = 200
    /// Destinations one organization (or the platform) may have, beside its teams' own.
    public static let maximumPerOrganization = 20
    /// Destinations a team's admins may make for their team. They count apart from the
    /// organization's, so one team admin cannot use up the organization's (they could: 20
    /// destinations made with a team key left its org admins none).
    public static let maximumPerTeam = 4

    public let organizationID: OrganizationID?
    public let url: WebhookURL
    public let name: String?
    public let kinds: Set<AlertKind>
    public let teams: Set<TeamReference>

    public init(
        organizationID: OrganizationID?, url: WebhookURL, name: String?, kinds: Set<AlertKind>,
        teams: Set<TeamReference>
    ) throws(StoreError) {
        if let name {
            // Unicode scalars, not Characters: one letter with a million combining marks is one Character.
            guard !name.isEmpty, name.unicodeScalars.count <= Self.maximumNameLength else {
                throw .invalidValue(field: "name", problem: "must be 1 to \(Self.maximumNameLength) characters")
            }
            guard !PlainText.hasForbiddenCharacter(name) else { throw .invalidValue(field: "name", problem: PlainText.problem) }
        }
        guard organizationID != nil || teams.isEmpty else {
            throw .invalidValue(
                field: "teams", problem: "a platform-wide destination receives every alert; it takes no teams")
        }
        guard teams.allSatisfy({ $0.organizationID == organizationID }) else {
            throw .invalidValue(field: "teams", problem: "every team must belong to the destination's organization")
        }
        self.organizationID = organizationID
        self.url = url
        self.name = name
        self.kinds = kinds
        self.teams = teams
    }
}

/// How deliveries to one destination are going (`GET …/alert-destinations`).
public struct AlertDeliveryStatus: Sendable, Hashable {
    public let lastAttemptAt: Date?
    public let lastSuccessAt: Date?
    public let lastErrorAt: Date?
    /// The HTTP status of the last failed attempt, when the receiver answered at all.
    public let lastErrorStatus: Int?
    /// What went wrong last, in a code (`http_status`, `timeout`, `connection_failed`, …).
    public let lastError: String?
    /// Deliveries waiting for their first or next attempt.
    public let pending: Int
    /// Deliveries given up after the last attempt failed.
    public let abandoned: Int

    public init(
        lastAttemptAt: Date? = nil, lastSuccessAt: Date? = nil, lastErrorAt: Date? = nil, lastErrorStatus: Int? = nil,
        lastError: String? = nil, pending: Int = 0, abandoned: Int = 0
    ) {
        self.lastAttemptAt = lastAttemptAt
        self.lastSuccessAt = lastSuccessAt
        self.lastErrorAt = lastErrorAt
        self.lastErrorStatus = lastErrorStatus
        self.lastError = lastError
        self.pending = pending
        self.abandoned = abandoned
    }
}

/// A destination with its delivery status, as listed.
public struct AlertDestinationListing: Sendable, Hashable {
    public let destination: AlertDestination
    public let status: AlertDeliveryStatus
}

/// A destination just created, with its signing secret: the only time the secret is returned.
public struct CreatedAlertDestination: Sendable {
    public let destination: AlertDestination
    public let secret: WebhookSecret
}
