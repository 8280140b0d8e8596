import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import Store
import Tenancy

/// Sends queued alert deliveries (``AlertDeliveryQueue``) to their webhooks: a signed JSON
/// POST each, retried with doubling waits per ``AlertDeliveryPolicy`` and given up after the
/// last attempt. Never on a request's path: a background service calls ``deliverDue()``.
///
/// Each POST carries
/// - `X-Atrium-Timestamp`: Unix seconds of the attempt;
/// - `X-Atrium-Signature`: `sha256=` + hex HMAC-SHA256 of `"<timestamp>.<body>"`, keyed with the
///   destination's secret (``WebhookSecret/signature(timestamp:body:)``);
/// - `X-Atrium-Delivery`: the delivery's id, the same on every retry (receivers dedupe by it);
/// - `X-Atrium-Delivery-Attempt`: 1 for the first attempt.
///
/// Any 2xx is success. Redirects are not followed (a 3xx is a failure). An organization's
/// destination whose host resolves into a private network is not contacted (`private_address`)
/// unless ``AlertDeliveryPolicy/allowsPrivateDestinations``. Logs name the
/// destination by id only: its URL may carry a token, and its secret never leaves this type.
public final class AlertDeliverer: Sendable {
    public let policy: AlertDeliveryPolicy
    private let queue: AlertDeliveryQueue
    private let client: HTTPClient
    private let logger: Logger
    private let now: @Sendable () -> Date

    /// - Parameter client: an HTTP client that follows no redirects (``makeClient(policy:)``);
    ///   the caller shuts it down.
    public init(
        queue: AlertDeliveryQueue, policy: AlertDeliveryPolicy, client: HTTPClient, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.queue = queue
        self.policy = policy
        self.client = client
        self.logger = logger
        self.now = now
    }

    /// The client deliveries should use: connect timeout from `policy`, no redirects.
    public static func makeClient(policy: AlertDeliveryPolicy) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(
                connect: .nanoseconds(policy.timeout.nanoseconds), read: .nanoseconds(policy.timeout.nanoseconds)))
        configuration.decompression = .disabled
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Sends every delivery due now and those that fall due while it sends, up to
    /// ``AlertDeliveryPolicy/concurrency`` at once — a sender is taken up again as soon as its
    /// attempt ends, never held for the slowest of a batch — spread over destinations and
    /// organizations (``AlertDeliveryQueue/InFlight``), and records each outcome. Returns once
    /// nothing is due or in flight, with how many attempts were made.
    @discardableResult
    public func deliverDue() async -> Int {
        var attempted = 0
        var inFlight = AlertDeliveryQueue.InFlight(perOrganization: policy.perOrganization)
        await withTaskGroup(of: AlertDeliveryQueue.Delivery?.self) { group in
            var ticking = false
            while true {
                if !Task.isCancelled, inFlight.count < policy.concurrency {
                    for delivery in await claimDue(limit: policy.concurrency - inFlight.count, inFlight: inFlight) {
                        inFlight.insert(delivery)
                        attempted += 1
                        group.addTask {
                            await self.attempt(delivery)
                            return delivery
                        }
                    }
                }
                guard inFlight.count > 0 else { break }
                // Wake when an attempt ends, or at the next poll to start what fell due meanwhile.
                if !ticking, !Task.isCancelled {
                    ticking = true
                    let interval = policy.pollInterval
                    group.addTask {
                        try? await Task.sleep(for: interval)
                        return nil
                    }
                }
                guard let ended = await group.next() else { break }
                if let delivery = ended { inFlight.remove(delivery) } else { ticking = false }
            }
            group.cancelAll()
        }
        return attempted
    }

    /// Up to `limit` due deliveries that `inFlight` admits; none when nothing is due.
    private func claimDue(limit: Int, inFlight: AlertDeliveryQueue.InFlight) async -> [AlertDeliveryQueue.Delivery] {
        do {
            // A read first: an idle queue never takes the database's write lock.
            // (Times are stored in whole milliseconds, so allow for one of rounding.)
            guard let due = try await queue.nextDue(), due <= now().addingTimeInterval(0.001) else { return [] }
            return try await queue.claim(now: now(), lease: policy.lease, limit: limit, inFlight: inFlight)
        } catch {
            logger.error(
                "reading the alert delivery queue failed", metadata: ["error": .string(StoreError.diagnosis(of: error))])
            return []
        }
    }

    /// When the next queued delivery is due, if any.
    public func nextDue() async -> Date? {
        try? await queue.nextDue()
    }

    private func attempt(_ delivery: AlertDeliveryQueue.Delivery) async {
        let attempt = delivery.attempts + 1
        let failure = await send(delivery, attempt: attempt)
        let finished = now()
        var metadata: Logger.Metadata = [
            "alert.destination": "\(delivery.destinationID)", "alert.id": "\(delivery.alert.id)",
            "alert.delivery": "\(delivery.id)", "attempt": "\(attempt)",
        ]
        do {
            guard let failure else {
                try await queue.delivered(delivery, at: finished)
                Counter(label: "atrium_alert_deliveries_total", dimensions: [("outcome", "delivered")]).increment()
                logger.debug("alert delivered", metadata: metadata)
                return
            }
            metadata["error"] = "\(failure.code)"
            if let status = failure.status { metadata["http.status"] = "\(status)" }
            let retryAt = policy.retryDelay(afterAttempt: attempt).map { finished.addingTimeInterval($0.timeInterval) }
            try await queue.failed(delivery, at: finished, failure: failure, retryAt: retryAt)
            let outcome = retryAt == nil ? "abandoned" : "retried"
            Counter(label: "atrium_alert_deliveries_total", dimensions: [("outcome", outcome)]).increment()
            if retryAt == nil {
                logger.error("alert delivery given up", metadata: metadata)
            } else {
                logger.warning("alert delivery failed; will retry", metadata: metadata)
            }
        } catch {
            metadata["error"] = .string(StoreError.diagnosis(of: error))
            logger.error("recording an alert delivery failed", metadata: metadata)
        }
    }

    /// One POST; `nil` when the receiver answered 2xx.
    private func send(_ delivery: AlertDeliveryQueue.Delivery, attempt: Int) async -> AlertDeliveryQueue.Failure? {
        let body: Data
        do {
            body = try AlertPayload(delivery.alert, audience: delivery.audience).data()
        } catch {
            return .init(code: "encoding_failed")
        }
        if delivery.audience != nil, !policy.allowsPrivateDestinations, let host = delivery.url.url.host {
            switch await DestinationAddress.isPrivate(host: host) {
            case .some(true): return .init(code: "private_address")
            case nil: return .init(code: "unresolvable_host")
            case .some(false): break
            }
        }
        let timestamp = Int64(now().timeIntervalSince1970)
        var request = HTTPClientRequest(url: delivery.url.description)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Atrium-Alerts/1")
        request.headers.add(name: "X-Atrium-Event", value: "alert")
        request.headers.add(name: "X-Atrium-Delivery", value: String(delivery.id))
        request.headers.add(name: "X-Atrium-Delivery-Attempt", value: String(attempt))
        request.headers.add(name: "X-Atrium-Timestamp", value: String(timestamp))
        request.headers.add(
            name: "X-Atrium-Signature", value: delivery.secret.signature(timestamp: timestamp, body: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        // One deadline for the whole attempt: connecting, the answer's head and its body. A
        // receiver that answers and then drips its body must not hold a sender for longer.
        let deadline = NIODeadline.now() + .nanoseconds(policy.timeout.nanoseconds)
        do {
            let response = try await client.execute(request, deadline: deadline)
            // Read (and drop) a little of the answer so the connection can be reused; past the
            // deadline the read is cancelled, which closes the connection.
            _ = try? await response.body.collect(upTo: 64 << 10, before: deadline)
            let status = Int(response.status.code)
            switch status {
            case 200..<300: return nil
            case 300..<400: return .init(code: "redirect", status: status)
            default: return .init(code: "http_status", status: status)
            }
        } catch let error as HTTPClientError
            where error == .readTimeout || error == .deadlineExceeded || error == .connectTimeout
        {
            return .init(code: "timeout")
        } catch let error as HTTPClientError where error == .remoteConnectionClosed {
            return .init(code: "connection_closed")
        } catch {
            // Only the kind of error: its text could name the URL.
            return .init(code: Self.errorCode(error))
        }
    }

    static func errorCode(_ error: any Error) -> String {
        let name = String(describing: type(of: error))
        if name.contains("Connect") || name.contains("Socket") || name.contains("IOError") {
            return "connection_failed"
        }
        if name.contains("TLS") || name.contains("SSL") || name.contains("Certificate") { return "tls_failed" }
        return "other"
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
