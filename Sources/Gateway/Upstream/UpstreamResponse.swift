import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// An upstream's answer to one chat request as it arrives, read through AsyncHTTPClient's
/// delegate API, for the relay in the calling task.
///
/// Why not the async API's `HTTPClientResponse.Body`: it lets one body part at a time wait
/// for its reader, so between two tokens the client stops reading the socket and starts
/// again (two `epoll_ctl` calls and a demand round trip per token), and its idle-read timer
/// is cancelled and scheduled again on every part. Here every part is accepted as it comes
/// and waits in a ``HandOff`` (the relay takes all that arrived at once), and a stalled
/// upstream is caught by one coarse check per quarter of the read timeout of how long ago
/// the last part came. Parts never pile up: the relay task only parses them and hands the
/// events on (a slow client holds up its writer, never this reader), so nothing pauses the
/// upstream.
///
/// ```swift
/// let response = UpstreamResponse.start(request, on: client, readTimeout: .seconds(120), deadline: .now() + .minutes(10))
/// var (head, batch) = try await response.head()
/// repeat {
///     for case let .body(buffer) in batch { consume(buffer) }
///     batch.removeAll(keepingCapacity: true)
/// } while try await response.body(into: &batch)
/// ```
final class UpstreamResponse: HTTPClientResponseDelegate {
    typealias Response = Void

    enum Part: Sendable {
        case head(HTTPResponseHead)
        case body(ByteBuffer)
    }

    private let parts = HandOff<Part>()
    /// When the last part (or the request) went, in `NIODeadline` uptime nanoseconds.
    private let lastActivity = Atomic<UInt64>(NIODeadline.now().uptimeNanoseconds)
    private let task = Mutex<HTTPClient.Task<Void>?>(nil)

    private init() {}

    /// Sends `request`; its answer arrives in the returned response. The request fails with
    /// `HTTPClientError.readTimeout` if nothing arrives for `readTimeout`, and with
    /// `.deadlineExceeded` at `deadline`; cancelling a reader that waits cancels it.
    static func start(
        _ request: HTTPClient.Request, on client: HTTPClient, readTimeout: Duration, deadline: NIODeadline
    ) -> UpstreamResponse {
        let response = UpstreamResponse()
        let task = client.execute(request: request, delegate: response, deadline: deadline)
        response.task.withLock { $0 = task }
        response.parts.onTermination { task.cancel() }
        response.watch(task, readTimeout: .nanoseconds(readTimeout.nanoseconds))
        return response
    }

    /// Stops the request (a reader that gives up on it).
    func cancel() {
        task.withLock { $0 }?.cancel()
    }

    // MARK: Reading

    /// Waits for the response head.
    /// - Returns: the head and the parts that arrived with it (body parts).
    func head() async throws -> (HTTPResponseHead, [Part]) {
        var batch: [Part] = []
        while try await parts.take(into: &batch) {
            guard case let .head(head) = batch.first else {
                batch.removeAll(keepingCapacity: true)
                continue
            }
            batch.removeFirst()
            return (head, batch)
        }
        throw BackendError.malformedResponse("the upstream closed the connection before a response")
    }

    /// Waits for body parts and appends every one that arrived to `batch` (a reader that
    /// empties it with `removeAll(keepingCapacity:)` reuses two arrays, allocating none per take).
    /// - Returns: false once the body ended and every part was taken.
    func body(into batch: inout [Part]) async throws -> Bool {
        try await parts.take(into: &batch)
    }

    /// The whole body, from `first` on; cancels the request and throws once it exceeds `limit`.
    func collect(startingWith first: [Part], upTo limit: Int) async throws -> ByteBuffer {
        var whole = ByteBuffer()
        var batch = first
        repeat {
            for case var .body(buffer) in batch {
                guard whole.readableBytes + buffer.readableBytes <= limit else {
                    cancel()
                    throw BackendError.malformedResponse("the upstream's response is larger than \(limit) bytes")
                }
                whole.writeBuffer(&buffer)
            }
            batch.removeAll(keepingCapacity: true)
        } while try await body(into: &batch)
        return whole
    }

    // MARK: HTTPClientResponseDelegate (on the connection's event loop)

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        lastActivity.store(NIODeadline.now().uptimeNanoseconds, ordering: .relaxed)
        parts.yield(.head(head))
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        lastActivity.store(NIODeadline.now().uptimeNanoseconds, ordering: .relaxed)
        parts.yield(.body(buffer))
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        parts.finish(throwing: error)
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        parts.finish()
    }

    /// Fails the request once nothing arrived for `readTimeout`, checked every quarter of it
    /// (so a stall is caught between 1 and 1.25 read timeouts) until the request ends.
    private func watch(_ task: HTTPClient.Task<Void>, readTimeout: TimeAmount) {
        let period = TimeAmount.nanoseconds(max(readTimeout.nanoseconds / 4, 1_000_000))
        let watchdog = task.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { [self] watchdog in
            let idle = Int64(NIODeadline.now().uptimeNanoseconds &- lastActivity.load(ordering: .relaxed))
            if idle >= readTimeout.nanoseconds {
                watchdog.cancel()
                task.fail(reason: HTTPClientError.readTimeout)
            }
        }
        task.futureResult.whenComplete { _ in watchdog.cancel() }
    }
}
