import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loopback ports for servers that tests start.
public enum LoopbackPort {
    /// Ports are drawn from here: below Linux's ephemeral range (32768–60999 by default), which
    /// the kernel draws from for every `bind` to port 0 and every outgoing connection. A port
    /// that the kernel picked for a probe was free only until the next test's server bound
    /// port 0 or a client connected — while the child it was meant for was still starting —
    /// so a server found the port taken, or a test talked to another test's server.
    private static let range = 20_000..<32_768
    /// Ports already handed out by this process, never handed out twice.
    private static let handedOut = Mutex<Set<Int>>([])

    /// A port nothing listens on right now, outside the kernel's ephemeral range and never
    /// handed out before by this process.
    public static func free() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: range)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if try canBind(port) { return port }
        }
        throw LoopbackPortError.socket
    }

    private static func canBind(_ port: Int) throws -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw LoopbackPortError.socket }
        defer { close(descriptor) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// Waits (up to `timeout`) until something accepts connections on `port`.
    public static func waitUntilListening(_ port: Int, timeout: Duration = .seconds(10)) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if accepts(port) { return }
            usleep(20_000)
        }
        throw LoopbackPortError.notListening(port)
    }

    static func accepts(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

public enum LoopbackPortError: Error {
    case socket
    case notListening(Int)
}
