import Gateway
import NIOCore

/// Runs Swift tasks on the event loops of a NIO group, on the loop the work comes from.
///
/// Hummingbird hands each request from the connection's event loop to a Swift task, and by
/// default that task runs on the global concurrent pool: every request then crosses threads
/// on the way in, to the upstream client, back from it, and out — a wake-up of another
/// thread each time, which on a small, busy machine is most of what the gateway adds to a
/// request. With this executor preferred, a job enqueued from an event loop runs on that same
/// loop (`EventLoopGroup.any()` answers the current loop), so a request, its upstream call
/// (AsyncHTTPClient prefers the current loop too) and its response stay on one thread.
///
/// Work enqueued from elsewhere (the database queue, the serving engine's thread) goes to
/// any loop. Handlers must therefore never block: CPU-heavy work (the embedder, the model)
/// runs on its own threads.
public final class EventLoopTaskExecutor: TaskExecutor {
    private let group: any EventLoopGroup

    public init(group: any EventLoopGroup) {
        self.group = group
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        group.any().execute { job.runSynchronously(on: executor) }
    }

    /// Runs `operation`, and every child task it creates, with the group's loops preferred —
    /// and the gateway's own unstructured tasks too (``TaskPlacement``).
    public func run<Result: Sendable>(_ operation: @Sendable () async throws -> Result) async throws -> Result {
        try await TaskPlacement.$preferredExecutor.withValue(self) {
            try await withTaskExecutorPreference(self, operation: operation)
        }
    }
}
