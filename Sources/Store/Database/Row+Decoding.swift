import Tenancy

/// Reading directory values back out of rows, throwing (never trapping) on a bad row.
extension SQLRow {
    func organization() throws -> Organization {
        try Organization(
            id: OrganizationID(rawValue: decode(String.self, forColumn: "id")),
            name: decode(String.self, forColumn: "name"),
            createdAt: decode(forColumn: "created_at"))
    }

    func team() throws -> Team {
        try Team(
            id: TeamID(rawValue: decode(String.self, forColumn: "id")),
            organizationID: OrganizationID(rawValue: decode(String.self, forColumn: "organization_id")),
            name: decode(String.self, forColumn: "name"),
            createdAt: decode(forColumn: "created_at"))
    }

    func user() throws -> User {
        try User(
            id: UserID(rawValue: decode(String.self, forColumn: "id")),
            name: decode(String.self, forColumn: "name"),
            email: decode(String?.self, forColumn: "email"),
            createdAt: decode(forColumn: "created_at"))
    }

    /// A role column, refusing values outside the enum.
    func role(table: String) throws -> Role {
        let text = try decode(String.self, forColumn: "role")
        guard let role = Role(rawValue: text) else {
            throw StoreError.corruptRow(table: table, problem: "unknown role '\(text)'")
        }
        return role
    }

    /// The binding of a key row: platform, organization or team by which ids are present.
    func binding() throws -> AccessBinding {
        let organization = try decode(String?.self, forColumn: "organization_id").map(OrganizationID.init(rawValue:))
        let team = try decode(String?.self, forColumn: "team_id").map(TeamID.init(rawValue:))
        switch (organization, team) {
        case (nil, nil): return .platform
        case let (organization?, nil): return .organization(organization)
        case let (organization?, team?): return .team(TeamReference(id: team, organizationID: organization))
        case (nil, _?): throw StoreError.corruptRow(table: "api_keys", problem: "team without organization")
        }
    }
}
