import Foundation

/// Where an alert destination's deliveries go: an absolute `http` or `https` URL with a host,
/// checked when the destination is created so a bad one is a 400 then, not a failure later.
///
/// Refused: other schemes, no host, a port outside 1…65535, user:password in the URL (put a token in the path or
/// query instead), fragments, spaces and control characters, more than 2048 characters.
public struct WebhookURL: Sendable, Hashable, CustomStringConvertible {
    public static let maximumLength = 2048

    public let url: URL

    public init(_ text: String) throws(StoreError) {
        func refuse(_ problem: String) -> StoreError { .invalidValue(field: "url", problem: problem) }
        guard !text.isEmpty else { throw refuse("must not be empty") }
        guard text.utf8.count <= Self.maximumLength else {
            throw refuse("must be at most \(Self.maximumLength) bytes")
        }
        guard
            text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value) })
        else {
            throw refuse("must not contain spaces or control characters")
        }
        guard let components = URLComponents(string: text), let url = components.url else {
            throw refuse("is not a valid URL")
        }
        guard let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw refuse("must be an http or https URL")
        }
        guard let host = components.host, !host.isEmpty else { throw refuse("must name a host") }
        guard components.user == nil, components.password == nil else {
            throw refuse("must not contain a user name or password (put a token in the path or query)")
        }
        guard components.fragment == nil else { throw refuse("must not contain a fragment (#…)") }
        if let port = components.port, !(1...65535).contains(port) { throw refuse("must have a port from 1 to 65535") }
        // A port too long for an Int reads as none at all (`components.port` is nil): the
        // check above never saw it, and the URL would be stored to fail at every delivery.
        if components.port == nil, let written = Self.portText(of: text), !written.isEmpty {
            throw refuse("must have a port from 1 to 65535")
        }
        self.url = url
    }

    public var description: String { url.absoluteString }

    /// The port as written in `text`'s authority (after the host's last `:`, past an IPv6
    /// literal's `]`), or nil when the authority names none.
    private static func portText(of text: String) -> Substring? {
        guard let start = text.range(of: "://")?.upperBound else { return nil }
        let authority = text[start...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostAndPort = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? authority
        let afterHost = hostAndPort.lastIndex(of: "]").map { hostAndPort[hostAndPort.index(after: $0)...] } ?? hostAndPort
        guard let colon = afterHost.lastIndex(of: ":") else { return nil }
        return afterHost[afterHost.index(after: colon)...]
    }
}
