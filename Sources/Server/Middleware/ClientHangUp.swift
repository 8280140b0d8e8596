import Hummingbird
import NIOCore
import Synchronization

/// Notices a client that hangs up while its request is still being handled, and cancels the
/// handler's task: a request waiting in the scheduler's queue leaves it, a generation that has
/// not sent a byte yet stops — instead of running, and being charged, once a slot frees up. (A
/// write to a closed connection fails too, but a handler writes nothing before its response:
/// a streamed answer's status line waits for its first token.)
///
/// One per connection, as a channel handler after the HTTP codec: the connection's input
/// ending (Hummingbird keeps a half-closed connection open for the response) or the channel
/// going inactive is the hang-up. ``Middleware`` finds the connection's watch by its channel
/// and ties the handler's task to it.
final class ClientHangUp: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    /// Parts pass through untouched.
    typealias InboundIn = NIOAny

    private struct State {
        var hungUp = false
        /// The task of the request being handled, cancelled under the lock (it is never used
        /// after its handler returned: ``Middleware`` takes it out first, under the same lock).
        var handler: CurrentTask?
    }

    /// A handler's task, held only while the handler runs (see ``State/handler``).
    private struct CurrentTask: @unchecked Sendable {
        let task: UnsafeCurrentTask
    }

    private let state = Mutex(State())
    private static let connections = Mutex([ObjectIdentifier: ClientHangUp]())

    /// The watch of `channel`'s connection (nil for a channel without one).
    static func watch(of channel: any Channel) -> ClientHangUp? {
        connections.withLock { $0[ObjectIdentifier(channel)] }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let key = ObjectIdentifier(context.channel)
        Self.connections.withLock { $0[key] = self }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        forget(context.channel)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed = event as? ChannelEvent { hangUp() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        hangUp()
        forget(context.channel)
        context.fireChannelInactive()
    }

    private func forget(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        Self.connections.withLock { connections in
            if connections[key] === self { connections[key] = nil }
        }
    }

    private func hangUp() {
        state.withLock { state in
            state.hungUp = true
            state.handler?.task.cancel()
        }
    }

    /// Runs `body` with the current task cancelled if the client hangs up meanwhile (at once
    /// when it already has).
    func whileConnected<T>(_ body: () async throws -> T) async throws -> T {
        withUnsafeCurrentTask { task in
            guard let task else { return }
            state.withLock { state in
                state.handler = CurrentTask(task: task)
                if state.hungUp { task.cancel() }
            }
        }
        defer { state.withLock { $0.handler = nil } }
        return try await body()
    }

    /// Ties every request's handling to its connection (a router middleware, before all others).
    struct Middleware: RouterMiddleware {
        typealias Context = AtriumRequestContext

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
            -> Response
        {
            guard let watch = context.hangUp else { return try await next(request, context) }
            return try await watch.whileConnected { try await next(request, context) }
        }
    }
}
