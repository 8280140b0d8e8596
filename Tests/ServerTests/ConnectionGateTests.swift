import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Gateway
import Testing
@testable import Server

#if canImport(Glibc)
import Glibc
#endif

/// No client holds the server's connections: idle ones are closed after `--idle-timeout`, and
/// so are trickling bodies and answers nobody reads (``ConnectionProgress``); at most
/// `--max-connections-per-address` come from one address and `--max-connections` in all, and
/// an answer being read is never cut — over real TCP against `atrium serve`.
@Suite(.serialized) struct ConnectionGateTests {
    /// A plain TCP connection to the server.
    final class Connection {
        let descriptor: Int32

        /// - Parameter receiveBuffer: a small socket receive buffer, for a client that reads
        ///   little (set before connecting, as the kernel wants).
        init(port: Int, receiveBuffer: Int32? = nil) throws {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            if var size = receiveBuffer {
                setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            }
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

        /// Sends `text` (to a connection the server closed: nothing, and no SIGPIPE).
        func send(_ text: String) {
            _ = text.utf8CString.withUnsafeBufferPointer {
                Glibc.send(descriptor, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL))
            }
        }

        /// Reads until the server closes the connection or `timeout` passes; the bytes read.
        func drain(within timeout: Duration) -> Int {
            let deadline = ContinuousClock.now + timeout
            var buffer = [UInt8](repeating: 0, count: 65536)
            var total = 0
            while ContinuousClock.now < deadline {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 100) > 0 else { continue }
                let count = read(descriptor, &buffer, buffer.count)
                if count <= 0 { return total }
                total += count
            }
            return total
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

    /// A request body that trickles in — a byte every 1.5 s, inside the idle timeout, on the
    /// sign-in form anyone may post — is closed once it falls behind the idle timeout plus a
    /// second per 500 bytes; it used to be held as long as the bytes kept coming (attack
    /// round 8), and enough such connections took every one the server has.
    @Test func aTricklingBodyIsClosed() async throws {
        let mock = try MockUpstream()
        let server = try await ServerProcess(upstream: mock.baseURL, extraArguments: ["--model", "mock", "--idle-timeout", "2"])
        // A trickle from the start, and one after most of a large body came at once (whose
        // bytes must not bank time for the trickle: 262,000 bytes would buy 524 s).
        for (length, first) in [(1000, "k"), (262_144, String(repeating: "k", count: 262_000))] {
            let connection = try Connection(port: server.port)
            connection.send(
                "POST /console/sign-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    + "Content-Length: \(length)\r\n\r\n\(first)")
            var closed = false
            for _ in 0..<8 where !closed {
                closed = connection.isClosed(within: .milliseconds(1500))
                connection.send("e")
            }
            #expect(closed, "the trickle after \(first.count) bytes was closed within 12 s")
        }
        // The server itself answers on.
        let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)
        #expect(try await http.call("GET", "/healthz").status == 200)
        #expect(await server.stop() == 0)
    }

    /// A client that pipelines requests for large answers and reads none of them is closed
    /// once its writes have been held back for the idle timeout (no clock used to run while an
    /// answer was written: such a connection was held for good); one that reads gets them all.
    @Test func aClientThatReadsNothingIsClosed() async throws {
        let mock = try MockUpstream()
        let server = try await ServerProcess(upstream: mock.baseURL, extraArguments: ["--model", "mock", "--idle-timeout", "2"])
        let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)
        let document = try await http.call("GET", "/openapi.json").body.utf8.count
        let requests = 200
        let request = "GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n"
        let reader = try Connection(port: server.port)
        reader.send(String(repeating: request, count: requests))
        #expect(reader.drain(within: .seconds(20)) >= requests * document, "a client that reads gets every answer")

        let stalled = try Connection(port: server.port, receiveBuffer: 4096)
        stalled.send(String(repeating: request, count: requests))
        try await Task.sleep(for: .seconds(6))
        let received = stalled.drain(within: .seconds(20))
        #expect(received < requests * document / 2, "closed after \(received) of \(requests * document) bytes")
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
        let one = ClientNetwork(ipAddress: "10.0.0.1")
        let other = ClientNetwork(ipAddress: "10.0.0.2")
        #expect(counts.admit(one) && counts.admit(one))
        #expect(!counts.admit(one), "a third from one address")
        #expect(counts.admit(other))
        #expect(!counts.admit(ClientNetwork(ipAddress: "10.0.0.3")), "a fourth in all")
        counts.release(one)
        #expect(counts.admit(one) && counts.open == 3)
    }
}
