import NIOCore

/// A client address as the per-address caps count it: an IPv4 address whole, an IPv6 address
/// by its /64 — which one host (or one customer's network) usually gets whole, so counting
/// each IPv6 address would give one client 2⁶⁴ of them. An IPv4 client of a dual-stack socket
/// (`::ffff:a.b.c.d`) is its IPv4 address.
///
/// What the server's connection gate, the console's pending SSO sign-ins and the blocking of
/// addresses that present failed keys count by; here, below all three, so that there is one rule.
///
/// ```swift
/// ClientNetwork(ipAddress: "2001:db8:1:2::1") == ClientNetwork(ipAddress: "2001:db8:1:2:ffff::9")  // true
/// ClientNetwork(ipAddress: "2001:db8:1:2::1")?.description  // "2001:db8:1:2::/64"
/// ```
public struct ClientNetwork: Hashable, Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    /// A socket's peer; `nil` for one that is no IP address (a Unix socket).
    public init?(_ address: SocketAddress?) {
        switch address {
        case .v4(let v4):
            bytes = withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
        case .v6(let v6):
            let all = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            let mapped = all[0..<10].allSatisfy { $0 == 0 } && all[10] == 0xFF && all[11] == 0xFF
            bytes = mapped ? Array(all[12...]) : Array(all[..<8])
        default:
            return nil
        }
    }

    /// An address's text (as a request's client address is kept); `nil` if it is no IP address.
    public init?(ipAddress text: String) {
        self.init(try? SocketAddress(ipAddress: text, port: 0))
    }

    /// `198.51.100.7`, or an IPv6 network as `2001:db8:1:2::/64`: what a block names.
    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }
}
