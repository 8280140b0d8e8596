/// Where the gateway's own tasks run: on the executor the server prefers for requests (its
/// event loops), when it has set one.
///
/// A request's handler runs with the event loops preferred, and so do its child tasks, but an
/// unstructured `Task {}` — a streamed generation's task — would start on the global pool:
/// every token would then wake a thread of that pool to be relayed and another to be written
/// out. Started with this preference it stays on the loop the upstream's bytes arrive on.
///
/// ```swift
/// try await TaskPlacement.$preferredExecutor.withValue(loops) { try await server.run() }
/// let task = Task(executorPreference: TaskPlacement.preferredExecutor) { … }
/// ```
public enum TaskPlacement {
    /// The executor the server runs requests on; nil outside such a server (tests, tools).
    @TaskLocal public static var preferredExecutor: (any TaskExecutor)?
}
