import Logging
import ServiceLifecycle

/// Gives a service — the HTTP server — a bounded time to stop once graceful shutdown begins:
/// it stops accepting connections at once, and requests in flight (streams included) may
/// finish within `grace`. After that `cutOff` runs (it ends the streams under way with a
/// `server_shutting_down` event, so their clients read why), then the service is cancelled,
/// which cuts what is left; the records of cut requests are still written (the accounting
/// writer waits for them).
struct GracePeriodService: Service {
    let base: any Service
    let grace: Duration
    var cutOff: @Sendable () async -> Void = {}
    let logger: Logger

    private enum Outcome: Sendable {
        case stopped
        case failed(any Error)
        case graceOver
        case timerEnded
    }

    func run() async throws {
        let outcome = await withTaskGroup(of: Outcome.self, returning: Outcome.self) { group in
            group.addTask {
                do {
                    try await base.run()
                    return .stopped
                } catch {
                    return .failed(error)
                }
            }
            group.addTask { await graceTimer() }
            var wasCutOff = false
            for await outcome in group {
                switch outcome {
                case .stopped:
                    group.cancelAll()
                    return .stopped
                case .failed(let error):
                    group.cancelAll()
                    return wasCutOff ? .stopped : .failed(error)
                case .graceOver:
                    wasCutOff = true
                    logger.warning("in-flight requests did not finish within the grace period; cutting them off")
                    await self.cutOff()
                    group.cancelAll()
                case .timerEnded:
                    continue
                }
            }
            return .stopped
        }
        if case .failed(let error) = outcome { throw error }
    }

    /// Ends with `.graceOver` once `grace` has passed after graceful shutdown began; with
    /// `.timerEnded` when cancelled first (the server stopped in time).
    private func graceTimer() async -> Outcome {
        do {
            try await gracefulShutdown()
            logger.info(
                "shutting down: no new connections; requests in flight may finish",
                metadata: ["grace.seconds": "\(grace.components.seconds)"])
            try await Task.sleep(for: grace)
            return .graceOver
        } catch {
            return .timerEnded
        }
    }
}
