import Gateway
import Metrics
import NIOCore
import Synchronization

/// Bounds the connections the server holds, so that no client can take its file descriptors:
/// at most ``Limits/total`` at once (below the process's descriptor limit, which the store,
/// the model files and upstream connections also need), and at most ``Limits/perAddress`` from
/// one client address (``ClientNetwork``: an IPv6 client's whole /64, which one host usually
/// gets). A connection
/// past either is closed as soon as it is accepted, before a byte is read, and counted in
/// `atrium_connections_refused_total`.
///
/// Idle connections are closed by Hummingbird's idle timeout (`--idle-timeout`): one that sends
/// nothing, or stops in the middle of a request, goes after that long; one whose request is
/// being answered stays however long its answer takes.
///
/// One per connection, as a channel handler; the counts are shared (``Counts``).
final class ConnectionGate: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny

    struct Limits: Sendable, Hashable {
        var total: Int
        /// 0 turns the per-address cap off (behind a proxy every connection has its address).
        var perAddress: Int
    }

    /// The open connections, in all and by address; shared by every connection's gate.
    final class Counts: Sendable {
        let limits: Limits
        private let state = Mutex<(total: Int, byAddress: [ClientNetwork: Int])>((0, [:]))
        private let refused = Counter(label: AtriumMetrics.Name.connectionsRefused)

        init(limits: Limits) {
            self.limits = limits
        }

        /// Counts a new connection from `address` if both caps allow it.
        func admit(_ address: ClientNetwork?) -> Bool {
            let admitted = state.withLock { state in
                guard state.total < limits.total else { return false }
                if let address, limits.perAddress > 0 {
                    let open = state.byAddress[address, default: 0]
                    guard open < limits.perAddress else { return false }
                    state.byAddress[address] = open + 1
                }
                state.total += 1
                return true
            }
            if !admitted { refused.increment() }
            return admitted
        }

        func release(_ address: ClientNetwork?) {
            state.withLock { state in
                state.total -= 1
                guard let address, limits.perAddress > 0, let open = state.byAddress[address] else { return }
                state.byAddress[address] = open > 1 ? open - 1 : nil
            }
        }

        var open: Int { state.withLock { $0.total } }
    }

    private enum Decision {
        case undecided
        case refused
        case counted(ClientNetwork?)
        case released
    }

    private let counts: Counts
    private let decision = Mutex(Decision.undecided)

    init(counts: Counts) {
        self.counts = counts
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { check(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        check(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    private func check(_ context: ChannelHandlerContext) {
        let address = ClientNetwork(context.channel.remoteAddress)
        let refused = decision.withLock { decision -> Bool in
            guard case .undecided = decision else { return false }
            decision = counts.admit(address) ? .counted(address) : .refused
            if case .refused = decision { return true }
            return false
        }
        if refused { context.close(promise: nil) }
    }

    private func release() {
        let counted = decision.withLock { decision -> ClientNetwork?? in
            guard case .counted(let address) = decision else { return nil }
            decision = .released
            return .some(address)
        }
        if let address = counted { counts.release(address) }
    }
}
