import ServiceLifecycle

/// Runs `action` when the services started after it have stopped — the HTTP server: the
/// serving engine is shut down only once no request can reach it any more. The action runs
/// in a task of its own so that a cancelled group still completes it.
struct AfterServingService: Service {
    let action: @Sendable () async -> Void

    func run() async throws {
        try? await gracefulShutdown()
        let action = action
        await Task { await action() }.value
    }
}
