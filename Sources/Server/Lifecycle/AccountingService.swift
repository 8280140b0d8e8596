import Gateway
import ServiceLifecycle

/// Runs the ``AccountingWriter`` for the life of the server. On a graceful stop it shuts down
/// after the HTTP server (services stop in reverse order), commits every record still
/// queued, and only then lets the process end.
public struct AccountingService: Service {
    let writer: AccountingWriter

    public init(writer: AccountingWriter) {
        self.writer = writer
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await writer.run()
        } onGracefulShutdown: {
            writer.shutdown()
        }
    }
}
