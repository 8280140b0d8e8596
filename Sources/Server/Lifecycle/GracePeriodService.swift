import Logging
import ServiceLifecycle

/// Gives a service — the HTTP server — a bounded time to stop once graceful shutdown begins:
/// it stops accepting connections at once, and requests in flight (streams included) may
/// finish within `grace`. After that `cutOff` runs (it ends the answers under way with
/// `server_shutting_down`: a stream's last event, a non-streamed answer's 503), and the
/// service gets up to `answering` more to write those answers and close its connections by
/// itself; then it is cancelled, which cuts what is left. The records of cut requests are
/// still written (the accounting writer waits for them).
struct GracePeriodService: Service {
    let base: any Service
    let grace: Duration
    var cutOff: @Sendable () async -> Void = {}
    /// After `cutOff`, how long the answers it ended may take to reach their clients.
    var answering: Duration = .seconds(5)
    let logger: Logger

    private enum Outcome: Sendable {
        case stopped
        case failed(any Error)
        case graceOver
        case answeringOver
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
                    // The server stops by itself once the ended answers are written; a request
                    // that is no answer (an upload still arriving) is cut when this runs out.
                    let answering = self.answering
                    group.addTask {
                        try? await Task.sleep(for: answering)
                        return .answeringOver
                    }
                case .answeringOver:
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
