/// How usage is added up (`GET /v1/admin/usage?group_by=`, `atrium usage --group-by`).
public enum UsageGrouping: String, Sendable, Hashable, CaseIterable {
    case team
    case user
    case key
    case day

    /// The ledger column rows are grouped by.
    var column: String {
        switch self {
        case .team: "u.team_id"
        case .user: "u.user_id"
        case .key: "u.key_id"
        case .day: "u.day"
        }
    }
}
