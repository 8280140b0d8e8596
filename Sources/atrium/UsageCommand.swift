import ArgumentParser
import Foundation
import Gateway
import Server
import Store
import Tenancy

/// `atrium usage`: the usage ledger as a table, read straight from the database file.
struct UsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "Print token and request usage per team, user, key or day.",
        discussion: """
            Reads $ATRIUM_HOME/atrium.sqlite directly (default ./.atrium), so it runs on the \
            server's host — alongside a running server — and shows every team, as the owner \
            sees them. Team admins read their own team's usage over HTTP instead: \
            GET /v1/admin/usage?group_by=… with their key.
            """)

    @Option(help: "Only this team: its id, or org/team (ids or names).")
    var team: String?

    @Option(help: "First day included: YYYY-MM-DD (UTC), an ISO 8601 time, or Unix seconds.")
    var since: String?

    @Option(help: "Last day included, in the same forms.")
    var until: String?

    @Option(name: .customLong("group-by"), help: "team, user, key or day.")
    var groupBy = UsageGrouping.team

    func run() async throws {
        let home = ProcessInfo.processInfo.environment["ATRIUM_HOME"] ?? "./.atrium"
        let path = URL(fileURLWithPath: home).appendingPathComponent(AtriumStore.fileName).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("no database at \(path) (set ATRIUM_HOME)")
        }
        let store = try AtriumStore(path: path)
        var teamID: TeamID?
        if let team {
            guard let found = try await store.teams.team(address: team) else { throw ValidationError("no team '\(team)'") }
            teamID = found.id
        }
        let filter = UsageFilter(team: teamID, since: try day("--since", since), until: try day("--until", until))
        let rows = try await store.usage.summaryForOperator(filter: filter, groupedBy: groupBy)
        print(UsageTable(grouping: groupBy, rows: rows).text, terminator: "")
    }

    private func day(_ option: String, _ text: String?) throws -> Date? {
        guard let text else { return nil }
        guard let date = Instant.parse(text) else {
            throw ValidationError("\(option) must be \(Instant.expected), not '\(text)'")
        }
        return date
    }
}

extension UsageGrouping: ExpressibleByArgument {}
