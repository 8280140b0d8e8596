import Foundation
import Store
import Tenancy

/// What `POST …/alert-destinations` asks for, as the client wrote it.
public struct AlertDestinationOrder: Sendable, Hashable {
    public let url: String
    public let name: String?
    /// Alert kinds by name (`address_blocked`, …); empty: every kind.
    public let kinds: [String]
    /// Teams by id, name or `org/team`; empty: the whole organization.
    public let teams: [String]

    public init(url: String, name: String? = nil, kinds: [String] = [], teams: [String] = []) {
        self.url = url
        self.name = name
        self.kinds = kinds
        self.teams = teams
    }
}

extension AdministrationService {
    static let maximumDestinationTeams = 100

    /// `POST /v1/admin/orgs/{org}/alert-destinations` (owner, the organization's admins; a team
    /// admin for its own team only) and, with `organization` nil, `POST /v1/admin/alert-destinations`
    /// (owner). ``Policy`` decides on every resource the destination covers: the platform, the
    /// organization, or each team it names. The answer holds the signing secret, once.
    public func createAlertDestination(
        _ order: AlertDestinationOrder, organization address: String?, principal: Principal, audit: RequestAudit
    ) async throws -> CreatedAlertDestination {
        let organization = try await alertOrganization(
            address, action: .manageAlertDestinations, principal: principal, audit: audit)
        // Each team named is a lookup and an authorization: a bounded list, each name once.
        guard order.teams.count <= Self.maximumDestinationTeams else {
            throw GatewayError.invalid(
                "A destination names at most \(Self.maximumDestinationTeams) teams; leave 'teams' out for the whole organization",
                param: "teams")
        }
        var teams: Set<TeamReference> = []
        var grants: [Grant] = []
        if let organization {
            var named: Set<String> = []
            for teamAddress in order.teams where named.insert(teamAddress).inserted {
                let team = try await alertTeam(teamAddress, in: organization)
                teams.insert(team)
                grants.append(
                    try Authorizer.authorize(
                        principal, .manageAlertDestinations, on: .team(team), address: .init("team", teamAddress),
                        audit: audit))
            }
            if teams.isEmpty {
                grants.append(
                    try Authorizer.authorize(
                        principal, .manageAlertDestinations, on: organization.resource, audit: audit))
            }
        } else {
            guard order.teams.isEmpty else {
                throw GatewayError.invalid(
                    "A platform-wide destination receives every alert; it takes no 'teams'", param: "teams")
            }
            grants.append(try Authorizer.authorize(principal, .manageAlertDestinations, on: .platform, audit: audit))
        }
        let draft = try Self.draft(order, organization: organization?.id, teams: teams)
        let created = try await recordingDenials(principal, organization?.resource ?? .platform, audit) {
            try await store.alertDestinations.create(draft, grants: grants, now: now())
        }
        audit.describe(
            action: .manageAlertDestinations,
            resource: "\(Self.scope(organization))/alert-destination:\(created.destination.id)")
        return created
    }

    /// `GET /v1/admin/orgs/{org}/alert-destinations` and (owner) `GET /v1/admin/alert-destinations`:
    /// the destinations the caller may see, with delivery status; never a secret.
    public func alertDestinations(organization address: String?, principal: Principal, audit: RequestAudit) async throws
        -> [AlertDestinationListing]
    {
        let organization = try await alertOrganization(
            address, action: .readAlertDestinations, principal: principal, audit: audit)
        audit.decided(.allow)
        return try await store.alertDestinations.list(organization: organization?.id, visibleTo: principal)
    }

    /// `DELETE …/alert-destinations/{id}`: another organization's destination, or one beyond the
    /// caller's reach (a team admin and an organization-wide destination), answers the 404 of
    /// a missing one.
    public func deleteAlertDestination(
        _ id: String, organization address: String?, principal: Principal, audit: RequestAudit
    ) async throws {
        let organization = try await alertOrganization(
            address, action: .manageAlertDestinations, principal: principal, audit: audit)
        audit.describe(
            action: .manageAlertDestinations, resource: "\(Self.scope(organization))/alert-destination:\(id)")
        guard AlertDestinationID.looksLikeIdentifier(id),
            let destination = try await store.alertDestinations.destination(
                AlertDestinationID(rawValue: id), organization: organization?.id)
        else {
            throw GatewayError.notFound("alert destination", id)
        }
        let visibility = Policy.visibility(of: principal, for: .manageAlertDestinations)
        guard visibility.includesAlertDestination(organization: destination.organizationID, teams: destination.teams)
        else {
            throw Authorizer.deny(
                .crossTenant, principal: principal, resource: .platform, address: .init("alert destination", id),
                audit: audit)
        }
        var grants: [Grant] = []
        for resource in destination.resources {
            grants.append(
                try Authorizer.authorize(
                    principal, .manageAlertDestinations, on: resource, address: .init("alert destination", id),
                    audit: audit))
        }
        try await store.alertDestinations.delete(destination, grants: grants)
    }

    /// The organization a destination route names (`nil`: the platform's routes), after the
    /// checks every such route makes first: another organization is a 404 (as if missing),
    /// the platform's destinations are the owner's alone, and the caller needs the right at all.
    private func alertOrganization(
        _ address: String?, action: Action, principal: Principal, audit: RequestAudit
    ) async throws -> Organization? {
        guard let address else {
            audit.describe(action: action, resource: "platform/alert-destinations")
            _ = try Authorizer.authorize(principal, action, on: .platform, audit: audit)
            return nil
        }
        let organization = try await organization(address, for: principal, audit: audit)
        audit.describe(action: action, resource: "\(organization.resource)/alert-destinations")
        if let own = principal.organizationID, own != organization.id {
            throw Authorizer.deny(
                .crossTenant, principal: principal, resource: organization.resource,
                address: .init("organization", address), audit: audit)
        }
        guard principal.rights.contains(action) else {
            throw Authorizer.deny(.roleNotAllowed, principal: principal, resource: organization.resource, audit: audit)
        }
        return organization
    }

    /// A team a destination names: an id, a name in `organization`, or `org/team`; one outside
    /// `organization` is a 404, like one that does not exist.
    private func alertTeam(_ address: String, in organization: Organization) async throws -> TeamReference {
        let qualified =
            address.contains("/") || TeamID.looksLikeIdentifier(address)
            ? address : "\(organization.id.rawValue)/\(address)"
        guard let team = try await store.teams.team(address: qualified), team.organizationID == organization.id else {
            throw GatewayError.notFound("team", address)
        }
        return team.reference
    }

    private static func draft(_ order: AlertDestinationOrder, organization: OrganizationID?, teams: Set<TeamReference>)
        throws -> AlertDestinationDraft
    {
        var kinds: Set<AlertKind> = []
        for name in order.kinds {
            guard let kind = AlertKind(rawValue: name) else {
                let known = AlertKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw GatewayError.invalid(
                    "'kinds' has an unknown alert kind '\(name)' (known: \(known))", param: "kinds")
            }
            kinds.insert(kind)
        }
        // A refused URL or name is a StoreError.invalidValue: a 400 naming the field.
        return try AlertDestinationDraft(
            organizationID: organization, url: WebhookURL(order.url), name: order.name, kinds: kinds, teams: teams)
    }

    private static func scope(_ organization: Organization?) -> String {
        organization.map { "\($0.resource)" } ?? "platform"
    }
}
