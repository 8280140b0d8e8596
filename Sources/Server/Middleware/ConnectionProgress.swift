import HTTPTypes
import NIOHTTPTypes
import NIOCore

/// Closes a connection that holds the server without making progress in the two ways the
/// idle timeout lets through, since both keep it busy: a request body that trickles in (each
/// byte restarts the idle clock — a byte a minute held a sign-in form open for months, no key
/// needed) and an answer its client does not read (no clock runs while an answer is written:
/// pipelined requests never read held a connection for good). Enough of either, from enough
/// addresses, took every connection the server has.
///
/// - A request body must arrive within the idle timeout of its head, plus a second for each
///   ``minimumBodyRate`` bytes received (Apache's `mod_reqtimeout` rule), the time earned never
///   more than the idle timeout ahead: a slow but steady upload passes, a trickle is closed
///   when its next byte comes late — also after most of a large body came at once (with the
///   time banked, 262,000 bytes bought nine minutes of trickle on the sign-in form).
/// - An answer whose writes are held back (the channel not writable: the client's socket
///   buffers are full) for the idle timeout without a pause is closed: a client that reads,
///   however slowly, makes the channel writable again.
///
/// One per connection, as a channel handler after the HTTP codec; it runs on the connection's
/// event loop only.
final class ConnectionProgress: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart

    /// Bytes a second a request body must average, past its first idle timeout.
    static let minimumBodyRate = 500

    private let timeout: TimeAmount
    /// When the rest of the arriving body is late (nil: no body is arriving).
    private var bodyDue: NIODeadline?
    /// The close that comes if the writes stay held back.
    private var stall: Scheduled<Void>?

    init(timeout: Duration) {
        self.timeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            bodyDue = .now() + timeout
        case .body(let buffer):
            if let due = bodyDue {
                let now = NIODeadline.now()
                guard now <= due else {
                    context.close(promise: nil)
                    return
                }
                let earned = TimeAmount.nanoseconds(Int64(buffer.readableBytes) * 1_000_000_000 / Int64(Self.minimumBodyRate))
                bodyDue = min(due + earned, now + timeout)
            }
        case .end:
            bodyDue = nil
        }
        context.fireChannelRead(data)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            stall?.cancel()
            stall = nil
        } else if stall == nil {
            let channel = context.channel
            stall = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stall?.cancel()
        stall = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stall?.cancel()
        stall = nil
    }
}
