import Logging
import ServiceLifecycle
import Synchronization
import Testing
@testable import Server

/// The HTTP server's stop, with a test double in its place: answers that the cut-off ends are
/// written before anything is cancelled, and a server that never stops is still cancelled
/// once the grace and the answering time have passed.
@Suite struct GracePeriodServiceTests {
    /// Stands in for the HTTP server: once told to stop it waits for its answers to end (for
    /// `cutOff`, or for ever), then spends `writing` writing them, as a connection does.
    final class ServerDouble: Service, Sendable {
        let answersEnded = AsyncStream<Void>.makeStream()
        let writing: Duration
        private let outcome = Mutex<String?>(nil)
        var result: String? { outcome.withLock { $0 } }

        init(writing: Duration) { self.writing = writing }

        func run() async throws {
            try? await gracefulShutdown()
            for await _ in answersEnded.stream { break }
            do {
                try await Task.sleep(for: writing)
                outcome.withLock { $0 = "written" }
            } catch {
                outcome.withLock { $0 = "cancelled while writing" }
                throw error
            }
        }
    }

    static func stop(_ service: GracePeriodService) async throws {
        let group = ServiceGroup(configuration: .init(services: [service], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await Task.yield()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func answersEndedAtTheCutOffAreWrittenBeforeTheServerIsCancelled() async throws {
        let server = ServerDouble(writing: .milliseconds(100))
        let service = GracePeriodService(
            base: server, grace: .milliseconds(10), cutOff: { server.answersEnded.continuation.yield() },
            answering: .seconds(60), logger: Logger(label: "test"))
        let started = ContinuousClock.now
        try await Self.stop(service)
        #expect(server.result == "written")
        #expect(started.duration(to: .now) < .seconds(30), "the server stopped by itself, not at the answering limit")
    }

    @Test func aServerThatDoesNotStopIsCancelledOnceTheAnsweringTimeIsOver() async throws {
        let server = ServerDouble(writing: .seconds(3600))
        let service = GracePeriodService(
            base: server, grace: .milliseconds(10), cutOff: { server.answersEnded.continuation.yield() },
            answering: .milliseconds(50), logger: Logger(label: "test"))
        try await Self.stop(service)
        #expect(server.result == "cancelled while writing")
    }
}
