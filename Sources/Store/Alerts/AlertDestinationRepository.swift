import Foundation
import GRDB
import Tenancy

/// Alert destinations: created with ``Grant``s for every resource they cover, listed and read
/// within what ``Policy`` lets the reader see (``Visibility/includesAlertDestination(organization:teams:)``).
/// The signing secret is written once and read back only by ``AlertDeliveryQueue``.
public struct AlertDestinationRepository: Sendable {
    let backend: any StoreBackend
    /// SQLite only until this repository is ported to ``StoreBackend``.
    var pool: DatabasePool { get throws { try backend.sqlitePool(for: "alert destinations") } }

    /// Creates a destination; `grants` must hold `.manageAlertDestinations` on every resource
    /// it covers (``AlertDestination/resources``): the platform, its organization, or each team.
    public func create(_ draft: AlertDestinationDraft, grants: [Grant], now: Date = Date()) async throws
        -> CreatedAlertDestination
    {
        let resources = AlertDestination.resources(
            organization: draft.organizationID, teams: Set(draft.teams.map(\.id)))
        for resource in resources {
            let granted = grants.contains { $0.action == .manageAlertDestinations && $0.resource == resource }
            guard granted else { throw AccessDenied(.actionDoesNotApply, action: .manageAlertDestinations) }
        }
        let secret = WebhookSecret.generate()
        let id = AlertDestinationID.random()
        let kinds = draft.kinds.map(\.rawValue).sorted().joined(separator: ",")
        return try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO alert_destinations (id, organization_id, url, name, kinds, secret, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id.rawValue, draft.organizationID?.rawValue, draft.url.description, draft.name, kinds,
                    secret.revealed, now,
                ])
            for team in draft.teams {
                // Both halves of the team: a team of another organization matches no row and fails.
                try db.execute(
                    sql: """
                        INSERT INTO alert_destination_teams (destination_id, team_id, organization_id)
                        SELECT ?, id, organization_id FROM teams WHERE id = ? AND organization_id = ?
                        """,
                    arguments: [id.rawValue, team.id.rawValue, team.organizationID.rawValue])
                guard db.changesCount == 1 else { throw StoreError.notFound(kind: "team", address: team.id.rawValue) }
            }
            guard let stored = try Self.fetch(db, id: id, organization: draft.organizationID) else {
                throw StoreError.notFound(kind: "alert destination", address: id.rawValue)
            }
            return CreatedAlertDestination(destination: stored.destination, secret: secret)
        }
    }

    /// The destination `id` of `organization` (`nil`: the platform-wide ones), unfiltered: the
    /// caller authorizes against its ``AlertDestination/resources`` before showing or deleting it.
    public func destination(_ id: AlertDestinationID, organization: OrganizationID?) async throws -> AlertDestination? {
        try await pool.read { db in try Self.fetch(db, id: id, organization: organization)?.destination }
    }

    /// The destinations of `organization` (`nil`: the platform-wide ones) that `principal` may
    /// read, oldest first, with their delivery status. Never a secret.
    public func list(organization: OrganizationID?, visibleTo principal: Principal) async throws
        -> [AlertDestinationListing]
    {
        let visibility = Policy.visibility(of: principal, for: .readAlertDestinations)
        let rows = try await pool.read { db in
            try Row.fetchAll(
                db, sql: Self.selection + " WHERE d.organization_id IS ? ORDER BY d.created_at, d.id",
                arguments: [organization?.rawValue]
            ).map { try $0.alertDestinationListing() }
        }
        return rows.filter {
            visibility.includesAlertDestination(
                organization: $0.destination.organizationID, teams: $0.destination.teams)
        }
    }

    /// The listing of one destination (its status as of now), if it exists.
    public func listing(_ id: AlertDestinationID, organization: OrganizationID?) async throws
        -> AlertDestinationListing?
    {
        try await pool.read { db in try Self.fetch(db, id: id, organization: organization) }
    }

    /// Deletes the destination and its pending deliveries; `grants` must cover its resources.
    public func delete(_ destination: AlertDestination, grants: [Grant]) async throws {
        for resource in destination.resources {
            let granted = grants.contains { $0.action == .manageAlertDestinations && $0.resource == resource }
            guard granted else { throw AccessDenied(.actionDoesNotApply, action: .manageAlertDestinations) }
        }
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM alert_destinations WHERE id = ? AND organization_id IS ?",
                arguments: [destination.id.rawValue, destination.organizationID?.rawValue])
        }
    }

    static let selection = """
        SELECT d.*,
            (SELECT group_concat(team_id, ',') FROM alert_destination_teams t WHERE t.destination_id = d.id) AS team_ids,
            (SELECT count(*) FROM alert_deliveries q WHERE q.destination_id = d.id) AS pending
        FROM alert_destinations d
        """

    static func fetch(_ db: Database, id: AlertDestinationID, organization: OrganizationID?) throws
        -> AlertDestinationListing?
    {
        try Row.fetchOne(
            db, sql: selection + " WHERE d.id = ? AND d.organization_id IS ?",
            arguments: [id.rawValue, organization?.rawValue]
        )?.alertDestinationListing()
    }
}

extension AlertDestination {
    /// What creating or deleting the destination is about, for ``Policy``: the platform for a
    /// platform-wide one, its organization for an organization-wide one, else each of its teams.
    public var resources: [Resource] { Self.resources(organization: organizationID, teams: teams) }

    static func resources(organization: OrganizationID?, teams: Set<TeamID>) -> [Resource] {
        guard let organization else { return [.platform] }
        guard !teams.isEmpty else { return [.organization(organization)] }
        return teams.sorted { $0.rawValue < $1.rawValue }.map {
            .team(TeamReference(id: $0, organizationID: organization))
        }
    }
}

extension Row {
    func alertDestination() throws -> AlertDestination {
        let urlText: String = try decode(forColumn: "url")
        let kindsText: String = try decode(forColumn: "kinds")
        var kinds: Set<AlertKind> = []
        for name in kindsText.split(separator: ",") {
            guard let kind = AlertKind(rawValue: String(name)) else {
                throw StoreError.corruptRow(table: "alert_destinations", problem: "unknown kind '\(name)'")
            }
            kinds.insert(kind)
        }
        let teams = try decode(String?.self, forColumn: "team_ids")?.split(separator: ",").map {
            TeamID(rawValue: String($0))
        }
        return try AlertDestination(
            id: AlertDestinationID(rawValue: decode(forColumn: "id")),
            organizationID: decode(String?.self, forColumn: "organization_id").map(OrganizationID.init(rawValue:)),
            url: WebhookURL(urlText), name: decode(forColumn: "name"), kinds: kinds, teams: Set(teams ?? []),
            createdAt: decode(forColumn: "created_at"))
    }

    func alertDestinationListing() throws -> AlertDestinationListing {
        let milliseconds = { (column: String) throws -> Date? in
            try self.decode(Int64?.self, forColumn: column).map(Date.init(millisecondsSince1970:))
        }
        let status = try AlertDeliveryStatus(
            lastAttemptAt: milliseconds("last_attempt_at_ms"), lastSuccessAt: milliseconds("last_success_at_ms"),
            lastErrorAt: milliseconds("last_error_at_ms"), lastErrorStatus: decode(forColumn: "last_error_status"),
            lastError: decode(forColumn: "last_error"), pending: decode(forColumn: "pending"),
            abandoned: decode(forColumn: "abandoned"))
        return try AlertDestinationListing(destination: alertDestination(), status: status)
    }
}
