import Gateway
import Logging
import Synchronization
import Tenancy

/// What the outermost middleware learns about a request only once inner ones have run: the
/// team of the key that made it, for the `team` label of its metrics and the `team.id` of its
/// log lines. A reference, because inner middleware work on copies of the context.
public final class RequestObservation: Sendable {
    private let team = Mutex<TeamID?>(nil)

    public init() {}

    /// The team of the accepted key (`nil` for owner and organization keys).
    public var teamID: TeamID? { team.withLock { $0 } }

    func identified(_ principal: Principal) {
        team.withLock { $0 = principal.teamID }
    }

    /// The `team.id` a log line carries: the key's team, or `none` (as in metrics labels).
    var teamLabel: String { teamID?.rawValue ?? AtriumMetrics.noTeam }
}

extension AtriumRequestContext {
    /// The request's logger with its `team.id` as far as it is known (`request.id` is always there).
    var requestLogger: Logger {
        var logger = self.logger
        logger[metadataKey: "team.id"] = .string(observation.teamLabel)
        return logger
    }
}
