import GRDB
import Tenancy

extension Visibility {
    /// The WHERE condition that keeps only visible rows of a table with organization and team
    /// columns, or `nil` when nothing is visible (callers then return no rows at all).
    func sqlCondition(organizationColumn: String = "organization_id", teamColumn: String = "team_id")
        -> (sql: String, arguments: StatementArguments)?
    {
        switch self {
        case .nothing:
            nil
        case .everything:
            ("1", [])
        case let .organization(id):
            ("\(organizationColumn) = ?", [id.rawValue])
        case let .team(team):
            ("\(teamColumn) = ? AND \(organizationColumn) = ?", [team.id.rawValue, team.organizationID.rawValue])
        }
    }
}
