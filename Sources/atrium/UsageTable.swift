import Store

/// Usage summaries as a plain text table, one row per group and a total, numbers right-aligned.
///
/// ```
/// TEAM   ID              REQUESTS  PROMPT  COMPLETION  TOTAL  CACHE HITS
/// sales  team_N2mZDxG…          2      18          12     30           0
/// TOTAL                         2      18          12     30           0
/// ```
struct UsageTable {
    static let numberHeaders = ["REQUESTS", "PROMPT", "COMPLETION", "TOTAL", "CACHE HITS"]

    let grouping: UsageGrouping
    let rows: [UsageSummary]

    var text: String {
        guard !rows.isEmpty else { return "no usage recorded\n" }
        let header = line(grouping.rawValue.uppercased(), "ID", Self.numberHeaders)
        var lines = rows.map { row in
            line(row.label, identifier(of: row), numbers(row.requests, row.promptTokens, row.completionTokens, row.totalTokens, row.cacheHits))
        }
        lines.append(
            line(
                "TOTAL", "",
                numbers(
                    rows.reduce(0) { $0 + $1.requests }, rows.reduce(0) { $0 + $1.promptTokens },
                    rows.reduce(0) { $0 + $1.completionTokens }, rows.reduce(0) { $0 + $1.totalTokens },
                    rows.reduce(0) { $0 + $1.cacheHits })))
        let table = [header] + lines
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        let labels = header.count - Self.numberHeaders.count
        return table.map { cells in
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column < labels ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// The group's name, its id (a day is its own id: no second column), then the numbers.
    private func line(_ label: String, _ id: String, _ numbers: [String]) -> [String] {
        (grouping == .day ? [label] : [label, id]) + numbers
    }

    private func identifier(of row: UsageSummary) -> String {
        switch grouping {
        case .day: ""
        case .team: row.teamID?.rawValue ?? ""
        case .user: row.userID?.rawValue ?? ""
        case .key: row.keyID?.rawValue ?? ""
        }
    }

    private func numbers(_ values: Int...) -> [String] {
        values.map(String.init)
    }
}
