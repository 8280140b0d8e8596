import Foundation
import Gateway
import Logging
import ServiceLifecycle
import Store

/// Sends alerts to their webhooks in the background (``AlertDeliverer``), never on a
/// request's path: it looks at the durable queue every ``AlertDeliveryPolicy/pollInterval``
/// and sends what is due, so deliveries queued before a restart go out after it.
///
/// On shutdown it stops between passes; deliveries in flight finish or time out, and anything
/// not yet confirmed stays queued for the next start.
public struct AlertDeliveryService: Service {
    let queue: AlertDeliveryQueue
    let policy: AlertDeliveryPolicy
    let logger: Logger

    public init(queue: AlertDeliveryQueue, policy: AlertDeliveryPolicy = .standard, logger: Logger) {
        self.queue = queue
        self.policy = policy
        self.logger = logger
    }

    public func run() async throws {
        let client = AlertDeliverer.makeClient(policy: policy)
        let deliverer = AlertDeliverer(queue: queue, policy: policy, client: client, logger: logger)
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await deliverer.deliverDue()
                try await Task.sleep(for: policy.pollInterval)
            }
        }
        try? await client.shutdown()
    }
}
