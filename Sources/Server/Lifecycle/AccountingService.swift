import Gateway
import ServiceLifecycle

/// Runs the ``AccountingWriter`` for the life of the server. On a graceful stop it shuts down
/// after the HTTP server and the engine (services stop in reverse order), waits for the
/// records of streams still ending, commits every record still queued, and only then lets
/// the process end.
///
/// The writer loop runs in a task of its own, so even a cancelled group (a stop that ran out
/// of time) still gets its last commit rather than losing what was queued.
public struct AccountingService: Service {
    let writer: AccountingWriter

    public init(writer: AccountingWriter) {
        self.writer = writer
    }

    public func run() async throws {
        let writer = writer
        let loop = Task { await writer.run() }
        await withTaskCancellationOrGracefulShutdownHandler {
            await loop.value
        } onCancelOrGracefulShutdown: {
            writer.shutdown()
        }
    }
}
