import Foundation
import Tenancy

/// Alert destinations: created with ``Grant``s for every resource they cover, listed and read
/// within what ``Policy`` lets the reader see (``Visibility/includesAlertDestination(organization:teams:)``).
/// The signing secret is written once and read back only by ``AlertDeliveryQueue``.
public struct AlertDestinationRepository: Sendable {
    let backend: any StoreBackend

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
        return try await backend.write { db in
            // A destination is access, as a key is: its maker's key as it stands now (a create
            // authenticated before its maker's removal, written after it, outlived the removal).
            for grant in grants { _ = try KeyRepository.standing(grant, at: now, db) }
            // Each alert goes to every destination that receives it, one delivery each: an
            // organization with hundreds would multiply every alert's sends.
            let madeBy = "alert_destinations d LEFT JOIN api_keys k ON k.id = d.created_by"
            if let team = grants.first?.principal.teamID {
                let existing = try db.fetchValue(Int64.self, "SELECT COUNT(*) FROM \(madeBy) WHERE k.team_id = ?", [team.rawValue])
                guard (existing ?? 0) < AlertDestinationDraft.maximumPerTeam else {
                    throw StoreError.invalidValue(
                        field: "url",
                        problem: "a team's admins may make at most \(AlertDestinationDraft.maximumPerTeam) alert "
                            + "destinations; delete one first")
                }
            } else {
                let existing: Int64?
                if let organization = draft.organizationID {
                    existing = try db.fetchValue(
                        Int64.self, "SELECT COUNT(*) FROM \(madeBy) WHERE d.organization_id = ? AND k.team_id IS NULL",
                        [organization.rawValue])
                } else {
                    existing = try db.fetchValue(
                        Int64.self, "SELECT COUNT(*) FROM alert_destinations WHERE organization_id IS NULL")
                }
                guard (existing ?? 0) < AlertDestinationDraft.maximumPerOrganization else {
                    throw StoreError.invalidValue(
                        field: "url",
                        problem: "an organization (and the platform) may have at most "
                            + "\(AlertDestinationDraft.maximumPerOrganization) alert destinations beside its teams' own; "
                            + "delete one first")
                }
            }
            try db.execute(
                """
                INSERT INTO alert_destinations (id, organization_id, url, name, kinds, secret, created_at, created_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    id.rawValue, draft.organizationID?.rawValue, draft.url.description, draft.name, kinds,
                    secret.revealed, now, grants.first?.principal.keyID.rawValue,
                ])
            for team in draft.teams {
                // Both halves of the team: a team of another organization matches no row and fails.
                let added = try db.execute(
                    """
                    INSERT INTO alert_destination_teams (destination_id, team_id, organization_id)
                    SELECT ?, id, organization_id FROM teams WHERE id = ? AND organization_id = ?
                    """,
                    [id.rawValue, team.id.rawValue, team.organizationID.rawValue])
                guard added == 1 else { throw StoreError.notFound(kind: "team", address: team.id.rawValue) }
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
        try await backend.read { db in try Self.fetch(db, id: id, organization: organization)?.destination }
    }

    /// The destinations of `organization` (`nil`: the platform-wide ones) that `principal` may
    /// read, oldest first, with their delivery status. Never a secret.
    public func list(organization: OrganizationID?, visibleTo principal: Principal) async throws
        -> [AlertDestinationListing]
    {
        let visibility = Policy.visibility(of: principal, for: .readAlertDestinations)
        let owner = Self.owner(organization)
        let rows = try await backend.read { db in
            try db.fetchAll(
                Self.selection(db.dialect) + " WHERE \(owner.sql) ORDER BY d.created_at, d.id", owner.arguments)
                .map { try $0.alertDestinationListing() }
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
        try await backend.read { db in try Self.fetch(db, id: id, organization: organization) }
    }

    /// Deletes the destination and its pending deliveries; `grants` must cover its resources.
    public func delete(_ destination: AlertDestination, grants: [Grant]) async throws {
        for resource in destination.resources {
            let granted = grants.contains { $0.action == .manageAlertDestinations && $0.resource == resource }
            guard granted else { throw AccessDenied(.actionDoesNotApply, action: .manageAlertDestinations) }
        }
        let owner = Self.owner(destination.organizationID, column: "organization_id")
        _ = try await backend.write { db in
            try db.execute(
                "DELETE FROM alert_destinations WHERE id = ? AND \(owner.sql)",
                [destination.id.rawValue] + owner.arguments)
        }
    }

    /// Every destination column, its teams (comma-separated) and its pending deliveries.
    static func selection(_ dialect: SQLDialect) -> String {
        let teams =
            switch dialect {
            case .sqlite: "group_concat(team_id, ',')"
            case .postgres: "string_agg(team_id, ',' ORDER BY team_id)"
            }
        return """
            SELECT d.*,
                (SELECT \(teams) FROM alert_destination_teams t WHERE t.destination_id = d.id) AS team_ids,
                (SELECT count(*) FROM alert_deliveries q WHERE q.destination_id = d.id) AS pending
            FROM alert_destinations d
            """
    }

    /// The condition for destinations of `organization`, or the platform-wide ones (`nil`).
    static func owner(_ organization: OrganizationID?, column: String = "d.organization_id")
        -> (sql: String, arguments: SQLArguments)
    {
        guard let organization else { return ("\(column) IS NULL", []) }
        return ("\(column) = ?", [organization.rawValue])
    }

    static func fetch(_ db: any SQLConnection, id: AlertDestinationID, organization: OrganizationID?) throws
        -> AlertDestinationListing?
    {
        let owner = owner(organization)
        let sql = selection(db.dialect) + " WHERE d.id = ? AND \(owner.sql)"
        return try db.fetchOne(sql, [id.rawValue] + owner.arguments)?
            .alertDestinationListing()
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

extension SQLRow {
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
            url: WebhookURL(urlText), name: decode(String?.self, forColumn: "name"), kinds: kinds,
            teams: Set(teams ?? []),
            createdAt: decode(forColumn: "created_at"))
    }

    func alertDestinationListing() throws -> AlertDestinationListing {
        let milliseconds = { (column: String) throws -> Date? in
            try self.decode(Int64?.self, forColumn: column).map(Date.init(millisecondsSince1970:))
        }
        let status = try AlertDeliveryStatus(
            lastAttemptAt: milliseconds("last_attempt_at_ms"), lastSuccessAt: milliseconds("last_success_at_ms"),
            lastErrorAt: milliseconds("last_error_at_ms"),
            lastErrorStatus: decode(Int?.self, forColumn: "last_error_status"),
            lastError: decode(String?.self, forColumn: "last_error"), pending: decode(Int.self, forColumn: "pending"),
            abandoned: decode(Int.self, forColumn: "abandoned"))
        return try AlertDestinationListing(destination: alertDestination(), status: status)
    }
}
