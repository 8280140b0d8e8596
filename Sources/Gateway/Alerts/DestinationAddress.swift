import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a webhook host leads into private networks: loopback, RFC 1918, link-local (cloud
/// metadata at 169.254.169.254), carrier-grade NAT, unique-local IPv6, unspecified. An
/// organization's admin picks its destinations' URLs; without this check they could make the
/// server POST into the network it runs in and read the answer's status back.
///
/// The check resolves the host itself, so a name that points inside is refused too. The HTTP
/// client resolves again when it connects, so a name that changes its answer in between (DNS
/// rebinding) is not stopped here: filter the server's outbound traffic where that matters.
enum DestinationAddress {
    /// Whether any address `host` resolves to is private (`nil`: it does not resolve). The
    /// lookup runs on its own thread, never on the concurrency pool.
    static func isPrivate(host: String) async -> Bool? {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: lookup(host)) }
            thread.start()
        }
    }

    private static func lookup(_ host: String) -> Bool? {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(bare, nil, &hints, &results) == 0, let first = results else { return nil }
        defer { freeaddrinfo(first) }
        var anyPrivate = false
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let address = entry.pointee.ai_addr, isPrivate(address, family: entry.pointee.ai_family) {
                anyPrivate = true
            }
            cursor = entry.pointee.ai_next
        }
        return anyPrivate
    }

    private static func isPrivate(_ address: UnsafeMutablePointer<sockaddr>, family: Int32) -> Bool {
        switch family {
        case AF_INET:
            let v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
            return isPrivate(ipv4: withUnsafeBytes(of: v4) { Array($0) })
        case AF_INET6:
            let v6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            return isPrivate(ipv6: withUnsafeBytes(of: v6) { Array($0) })
        default:
            return true
        }
    }

    /// `bytes` in network order.
    static func isPrivate(ipv4 bytes: [UInt8]) -> Bool {
        guard bytes.count == 4 else { return true }
        switch (bytes[0], bytes[1]) {
        case (0, _), (10, _), (127, _): return true
        case (100, 64...127): return true  // carrier-grade NAT
        case (169, 254): return true  // link-local, cloud metadata
        case (172, 16...31): return true
        case (192, 168): return true
        case (224..., _): return true  // multicast, reserved
        default: return false
        }
    }

    static func isPrivate(ipv6 bytes: [UInt8]) -> Bool {
        guard bytes.count == 16 else { return true }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return isPrivate(ipv4: Array(bytes[12..<16]))  // IPv4-mapped
        }
        // ::/96 — `::` and `::1`, and the deprecated IPv4-compatible form (`::127.0.0.1`), which
        // no public host has and some stacks still route to the IPv4 address.
        if bytes[0..<12].allSatisfy({ $0 == 0 }) { return true }
        if bytes[0] == 0x20 && bytes[1] == 0x02 {
            return isPrivate(ipv4: Array(bytes[2..<6]))  // 6to4 (2002::/16) wraps an IPv4 address
        }
        if bytes[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] {
            return isPrivate(ipv4: Array(bytes[12..<16]))  // NAT64 (64:ff9b::/96)
        }
        if bytes[0] & 0xFE == 0xFC { return true }  // fc00::/7 unique local
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return true }  // fe80::/10 link-local
        if bytes[0] == 0xFF { return true }  // multicast
        return false
    }
}
