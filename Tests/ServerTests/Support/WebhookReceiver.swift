import AtriumTestSupport
import Foundation
import Hummingbird
import Synchronization
import Tenancy

/// A webhook receiver on a loopback port (a tiny Hummingbird server): it keeps every POST to
/// `/hook` and answers 500 to the first `failingFirst` of them, 204 after that — or, `dripping`,
/// 200 with a body of a promised kilobyte that comes one byte a second.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        /// Header names lowercased.
        let headers: [String: String]
        let body: Data

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }

        /// Whether the `X-Atrium-Signature` verifies with `secret` over the timestamp and body.
        func isSigned(by secret: String) -> Bool {
            guard let signature = headers["x-atrium-signature"],
                let timestamp = headers["x-atrium-timestamp"].flatMap(Int64.init)
            else { return false }
            return WebhookSecret(stored: secret).verifies(signature, timestamp: timestamp, body: body)
        }
    }

    /// What the server's handler shares with the receiver (not the receiver itself, which
    /// would then never be released).
    private final class Storage: Sendable {
        let received = Mutex<[Delivery]>([])
        let failuresLeft: Mutex<Int>

        init(failingFirst: Int) { failuresLeft = Mutex(failingFirst) }
    }

    let port: Int
    private let storage: Storage
    private let task: Task<Void, any Error>

    var url: String { "http://127.0.0.1:\(port)/hook" }

    /// - Parameter port: where to listen (default: a free port).
    init(failingFirst: Int = 0, dripping: Bool = false, port: Int? = nil) async throws {
        self.port = try port ?? LoopbackPort.free()
        let storage = Storage(failingFirst: failingFirst)
        self.storage = storage
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            storage.received.withLock { $0.append(Delivery(headers: headers, body: Data(body.readableBytesView))) }
            let fail = storage.failuresLeft.withLock { left in
                defer { left = max(0, left - 1) }
                return left > 0
            }
            if dripping {
                return Response(
                    status: .ok, headers: [.contentLength: "1000"],
                    body: ResponseBody { writer in
                        for _ in 0..<1000 {
                            try await writer.write(ByteBuffer(string: "x"))
                            try await Task.sleep(for: .seconds(1))
                        }
                        try await writer.finish(nil)
                    })
            }
            return Response(status: fail ? .internalServerError : .noContent)
        }
        // Hummingbird says when it listens; no polling (blocking probes starve the server's
        // own task when the whole suite shares two cores).
        let (running, listening) = AsyncStream.makeStream(of: Void.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: self.port)),
            onServerRunning: { _ in listening.yield() })
        task = Task { try await app.runService() }
        let port = self.port
        let started = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in running { return true }
                return false
            }
            group.addTask {
                try await Task.sleep(for: .seconds(120))
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        guard started else { throw LoopbackPortError.notListening(port) }
    }

    deinit {
        task.cancel()
    }

    var deliveries: [Delivery] { storage.received.withLock { $0 } }

    /// Waits (up to `timeout`) until `count` deliveries arrived; returns what arrived.
    func waitFor(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [Delivery] {
        let deadline = ContinuousClock.now + timeout
        while deliveries.count < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        return deliveries
    }
}
