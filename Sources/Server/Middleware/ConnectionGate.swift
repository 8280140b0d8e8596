import Gateway
import Metrics
import NIOCore
import Synchronization

/// Bounds the connections the server holds, so that no client can take its file descriptors:
/// at most ``Limits/total`` at once (below the process's descriptor limit, which the store,
/// the model files and upstream connections also need), and at most ``Limits/perAddress`` from
/// one client address (an IPv6 client's whole /64, which one host usually gets). A connection
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
        private let state = Mutex<(total: Int, byAddress: [AddressKey: Int])>((0, [:]))
        private let refused = Counter(label: AtriumMetrics.Name.connectionsRefused)

        init(limits: Limits) {
            self.limits = limits
        }

        /// Counts a new connection from `address` if both caps allow it.
        func admit(_ address: AddressKey?) -> Bool {
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

        func release(_ address: AddressKey?) {
            state.withLock { state in
                state.total -= 1
                guard let address, limits.perAddress > 0, let open = state.byAddress[address] else { return }
                state.byAddress[address] = open > 1 ? open - 1 : nil
            }
        }

        var open: Int { state.withLock { $0.total } }
    }

    /// A client address as the per-address cap counts it: IPv4 whole, IPv6 by its /64.
    struct AddressKey: Hashable, Sendable {
        let bytes: [UInt8]

        init?(_ address: SocketAddress?) {
            switch address {
            case .v4(let v4):
                bytes = withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
            case .v6(let v6):
                let all = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
                // An IPv4 client of a dual-stack socket (::ffff:a.b.c.d) is its IPv4 address.
                let mapped = all[0..<10].allSatisfy { $0 == 0 } && all[10] == 0xFF && all[11] == 0xFF
                bytes = mapped ? Array(all[12...]) : Array(all[..<8])
            default:
                return nil
            }
        }
    }

    private enum Decision {
        case undecided
        case refused
        case counted(AddressKey?)
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
        let address = AddressKey(context.channel.remoteAddress)
        let refused = decision.withLock { decision -> Bool in
            guard case .undecided = decision else { return false }
            decision = counts.admit(address) ? .counted(address) : .refused
            if case .refused = decision { return true }
            return false
        }
        if refused { context.close(promise: nil) }
    }

    private func release() {
        let counted = decision.withLock { decision -> AddressKey?? in
            guard case .counted(let address) = decision else { return nil }
            decision = .released
            return .some(address)
        }
        if let address = counted { counts.release(address) }
    }
}
