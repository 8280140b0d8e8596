import GRDB
import Tenancy

extension Visibility {
    /// The WHERE condition that keeps only visible rows of a table with organization and team
    /// columns, or `nil` when nothing is visible (callers then return no rows at all).
    func portableCondition(organizationColumn: String = "organization_id", teamColumn: String = "team_id")
        -> (sql: String, arguments: SQLArguments)?
    {
        switch self {
        case .nothing:
            nil
        case .everything:
            ("TRUE", [])
        case let .organization(id):
            ("\(organizationColumn) = ?", [id.rawValue])
        case let .team(team):
            ("\(teamColumn) = ? AND \(organizationColumn) = ?", [team.id.rawValue, team.organizationID.rawValue])
        }
    }

    /// The same condition for the repositories still written against GRDB.
    func sqlCondition(organizationColumn: String = "organization_id", teamColumn: String = "team_id")
        -> (sql: String, arguments: StatementArguments)?
    {
        portableCondition(organizationColumn: organizationColumn, teamColumn: teamColumn).map { condition in
            (condition.sql, GRDBConnection.arguments(condition.arguments))
        }
    }
}
