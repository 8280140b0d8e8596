import Tenancy

/// Every limit a data-plane request is held to: its team's, its key's own, and those of the
/// keys up the line that minted its key. A request must fit all of them.
public struct RequestLimits: Sendable, Hashable {
    public let team: TeamLimits
    public let key: KeyLimits
    /// The limits of the keys that minted this one, down the line (`created_by`): a key's
    /// limits hold the keys it mints, as its budget does — counted together, so minting more
    /// keys buys no more rate.
    public let issuers: [APIKeyID: KeyLimits]

    public init(team: TeamLimits, key: KeyLimits, issuers: [APIKeyID: KeyLimits] = [:]) {
        self.team = team
        self.key = key
        self.issuers = issuers
    }

    /// No limits at all.
    public static let unlimited = RequestLimits(team: .unlimited, key: .unlimited)
}
