import Tenancy

/// Every limit a data-plane request is held to: its team's and its key's own. A request
/// must fit both.
public struct RequestLimits: Sendable, Hashable {
    public let team: TeamLimits
    public let key: KeyLimits

    public init(team: TeamLimits, key: KeyLimits) {
        self.team = team
        self.key = key
    }

    /// No limits at all.
    public static let unlimited = RequestLimits(team: .unlimited, key: .unlimited)
}
