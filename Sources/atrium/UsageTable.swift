import Store

/// Usage summaries as a plain text table, one row per group and a total, numbers right-aligned.
///
/// ```
/// TEAM    ID         REQUESTS  PROMPT  COMPLETION  TOTAL  CACHE HITS
/// sales   team_a1…          2      18          12     30           0
/// TOTAL                     2      18          12     30           0
/// ```
struct UsageTable {
    let grouping: UsageGrouping
    let rows: [UsageSummary]

    var text: String {
        guard !rows.isEmpty else { return "no usage recorded\n" }
        let header = [grouping.rawValue.uppercased(), "ID", "REQUESTS", "PROMPT", "COMPLETION", "TOTAL", "CACHE HITS"]
        var lines = rows.map { row in
            [row.label, identifier(of: row)] + numbers(row.requests, row.promptTokens, row.completionTokens, row.totalTokens, row.cacheHits)
        }
        lines.append(
            ["TOTAL", ""]
                + numbers(
                    rows.reduce(0) { $0 + $1.requests }, rows.reduce(0) { $0 + $1.promptTokens },
                    rows.reduce(0) { $0 + $1.completionTokens }, rows.reduce(0) { $0 + $1.totalTokens },
                    rows.reduce(0) { $0 + $1.cacheHits }))
        let table = [header] + lines
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        return table.map { cells in
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column < 2 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// The group's id beside its label (a day is its own id).
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
