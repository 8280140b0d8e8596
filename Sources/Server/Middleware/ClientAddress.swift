import Foundation
import HTTPTypes
import NIOCore

/// The address a request comes from, as intrusion detection counts it: the socket's peer, or
/// — with `--trust-forwarded-for` — the last address in `X-Forwarded-For`.
///
/// The last one, not the first: each proxy appends the address it saw, so the last entry is
/// the one the trusted proxy in front of Atrium wrote; anything before it the client may
/// have made up. A value that is not an IP address is ignored (the peer counts instead).
enum ClientAddress {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    static func of(peer: SocketAddress?, headers: HTTPFields, trustForwardedFor: Bool) -> String? {
        if trustForwardedFor, let forwarded = headers[values: forwardedFor].last,
            let last = forwarded.split(separator: ",").last,
            let address = ipAddress(last.trimmingCharacters(in: .whitespaces))
        {
            return address
        }
        return peer?.ipAddress
    }

    /// The normalized text of an IPv4 or IPv6 address, or `nil` if `text` is not one.
    static func ipAddress(_ text: String) -> String? {
        (try? SocketAddress(ipAddress: text, port: 0))?.ipAddress
    }
}
