import Foundation
import Gateway
import Hummingbird
import Tenancy

/// An organization's single sign-on group mappings, `GET|PUT /v1/admin/orgs/{org}/sso/mappings`
/// (owner, the organization's admins): which identity-provider groups give which team roles.
/// Authorization, 404s for other organizations and the audit happen in ``AdministrationService``.
struct SingleSignOnRoutes {
    let gateway: Gateway
    let maximumBodyBytes: Int

    private var admin: AdministrationService { gateway.administration }

    func register(on router: some RouterMethods<AuthenticatedContext>) {
        router.on(AtriumRoute.readSingleSignOnMappings) { request, context in
            let mappings = try await admin.singleSignOnMappings(
                organization: try context.parameters.decoded("org"), principal: context.principal, audit: context.audit)
            return try JSONOutput.response(GroupMappingsView(mappings))
        }
        router.on(AtriumRoute.saveSingleSignOnMappings) { request, context in
            let body = try await JSONBody.decode(GroupMappingsBody.self, from: request, limit: maximumBodyBytes)
            let saved = try await admin.setSingleSignOnMappings(
                body.mappings.map { GroupMappingOrder(group: $0.group, team: $0.team, role: $0.role) },
                organization: try context.parameters.decoded("org"), principal: context.principal, audit: context.audit)
            return try JSONOutput.response(GroupMappingsView(saved))
        }
    }
}

/// `PUT …/sso/mappings`: `{"mappings":[{"group","team","role"}]}` (the whole set). An unknown
/// field is refused, but `team_name`, which the listing shows, is ignored (a listing can be sent
/// back as it is).
struct GroupMappingsBody: Decodable {
    struct Entry: Decodable {
        let group: String
        let team: String
        let role: String

        enum CodingKeys: String, CodingKey, CaseIterable { case group, team, role }

        init(from decoder: any Decoder) throws {
            try decoder.refuseFields(except: CodingKeys.self, ignoring: ["team_name"])
            let container = try decoder.container(keyedBy: CodingKeys.self)
            group = try container.decode(String.self, forKey: .group)
            team = try container.decode(String.self, forKey: .team)
            role = try container.decode(String.self, forKey: .role)
        }
    }

    let mappings: [Entry]

    enum CodingKeys: String, CodingKey, CaseIterable { case mappings }

    init(from decoder: any Decoder) throws {
        try decoder.refuseFields(except: CodingKeys.self)
        mappings = try decoder.container(keyedBy: CodingKeys.self).decode([Entry].self, forKey: .mappings)
    }
}

/// The organization's mappings: each group, its team (id and name) and role.
struct GroupMappingsView: Encodable {
    struct Entry: Encodable {
        let group: String
        let team: String
        let teamName: String
        let role: String

        enum CodingKeys: String, CodingKey {
            case group, team, role
            case teamName = "team_name"
        }
    }

    let mappings: [Entry]

    init(_ listings: [GroupMappingListing]) {
        mappings = listings.map {
            Entry(group: $0.group, team: $0.team.id.rawValue, teamName: $0.team.name, role: $0.role.rawValue)
        }
    }
}
