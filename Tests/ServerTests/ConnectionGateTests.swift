import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Testing
@testable import Server

#if canImport(Glibc)
import Glibc
#endif

/// No client holds the server's connections: idle ones are closed after `--idle-timeout`,
/// at most `--max-connections-per-address` come from one address and `--max-connections` in
/// all, and an answer being sent is never cut — over real TCP against `atrium serve`.
@Suite(.serialized) struct ConnectionGateTests {
    /// A plain TCP connection to the server.
    final class Connection {
        let descriptor: Int32

        init(port: Int) throws {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        }

        deinit { close(descriptor) }

        func send(_ text: String) {
            _ = text.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
        }

        /// What the server sent within `timeout` (at most 4 KiB), as text.
        func readHead(within timeout: Duration) -> String {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(timeout.components.seconds * 1000)) > 0 else { return "" }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = read(descriptor, &buffer, buffer.count)
            return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
        }

        /// Whether the server closed the connection within `timeout` (data it sent is read and dropped).
        func isClosed(within timeout: Duration) -> Bool {
            let deadline = ContinuousClock.now + timeout
            var buffer = [UInt8](repeating: 0, count: 4096)
            while ContinuousClock.now < deadline {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let left = deadline - ContinuousClock.now
                let milliseconds = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
                guard poll(&poller, 1, milliseconds) > 0 else { continue }
                let count = read(descriptor, &buffer, buffer.count)
                if count <= 0 { return true }
            }
            return false
        }
    }

    @Test func idleAndExcessConnectionsAreClosedAndAnAnswerIsNeverCut() async throws {
        let mock = try MockUpstream()
        let server = try await ServerProcess(
            upstream: mock.baseURL,
            extraArguments: ["--model", "mock", "--max-connections-per-address", "3", "--idle-timeout", "2"])
        let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)

        // Three connections that send nothing, or half a request: the cap is reached.
        let silent = try Connection(port: server.port)
        let halfHeader = try Connection(port: server.port)
        halfHeader.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
        let halfBody = try Connection(port: server.port)
        halfBody.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        // Connections are counted as each event loop takes them up: let the three be counted
        // before the fourth comes (else any one of the four may be the one refused).
        try await Task.sleep(for: .milliseconds(500))
        let fourth = try Connection(port: server.port)
        #expect(fourth.isClosed(within: .seconds(1)), "a fourth connection from this address is closed at once")
        // The idle ones go after the idle timeout, and the address may connect again.
        for connection in [silent, halfHeader, halfBody] { #expect(connection.isClosed(within: .seconds(5))) }
        #expect(try await http.call("GET", "/healthz").status == 200)
        #expect(server.log.contains("atrium listening"))

        let metrics = try await http.call("GET", "/metrics", key: server.ownerKey)
        let refused = try #require(metrics.body.firstMatch(of: /atrium_connections_refused_total (\d+)/).flatMap { Int($0.1) })
        #expect(refused >= 1, "\(metrics.body)")
        #expect(await server.stop() == 0)
    }

    @Test func aSlowAnswerOutlivesTheIdleTimeout() async throws {
        let engine = try await TestEngineProcess(slots: 2, tokensPerSecond: 2)
        let server = try await ServerProcess(upstream: engine.baseURL, extraArguments: ["--idle-timeout", "1"])
        let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)
        let owner = server.ownerKey
        let key = try await http.memberKey(owner: owner, user: "sue")
        // Eight tokens at two a second: four seconds of answer, nothing sent for half a second at a time.
        let answer = try await http.call(
            "POST", "/v1/chat/completions", key: key,
            json: ["max_tokens": 8, "messages": [["role": "user", "content": "Tell me a long story."]]])
        #expect(answer.status == 200, "\(answer.body)")
        #expect((answer.json["usage"] as? [String: Any])?["completion_tokens"] as? Int == 8, "\(answer.body)")
        #expect(await server.stop() == 0)
    }

    /// A body that breaks HTTP's framing (a chunk size that is not hex) is the client's fault:
    /// 400, not 500 (attack round 5).
    @Test func aBrokenChunkIsABadRequest() async throws {
        let mock = try MockUpstream()
        let server = try await ServerProcess(upstream: mock.baseURL, extraArguments: ["--model", "mock"])
        let connection = try Connection(port: server.port)
        connection.send(
            "POST /v1/admin/orgs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(server.ownerKey)\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
        let answer = connection.readHead(within: .seconds(5))
        #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
        #expect(await server.stop() == 0)
        #expect(!server.log.contains("request failed"), "no server error logged")
    }

    @Test func theCountsHoldBothCapsAndFreeWhatCloses() {
        let counts = ConnectionGate.Counts(limits: .init(total: 3, perAddress: 2))
        let one = ConnectionGate.AddressKey(try? .init(ipAddress: "10.0.0.1", port: 1))
        let other = ConnectionGate.AddressKey(try? .init(ipAddress: "10.0.0.2", port: 1))
        #expect(counts.admit(one) && counts.admit(one))
        #expect(!counts.admit(one), "a third from one address")
        #expect(counts.admit(other))
        #expect(!counts.admit(ConnectionGate.AddressKey(try? .init(ipAddress: "10.0.0.3", port: 1))), "a fourth in all")
        counts.release(one)
        #expect(counts.admit(one) && counts.open == 3)

        // IPv6 by /64; an IPv4-mapped address is its IPv4 one.
        let first = ConnectionGate.AddressKey(try? .init(ipAddress: "2001:db8:1:2::1", port: 1))
        let sameNetwork = ConnectionGate.AddressKey(try? .init(ipAddress: "2001:db8:1:2:ffff::9", port: 1))
        let otherNetwork = ConnectionGate.AddressKey(try? .init(ipAddress: "2001:db8:1:3::1", port: 1))
        #expect(first == sameNetwork && first != otherNetwork)
        #expect(ConnectionGate.AddressKey(try? .init(ipAddress: "::ffff:10.0.0.1", port: 1)) == one)
    }
}
