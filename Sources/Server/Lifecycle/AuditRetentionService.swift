import Foundation
import Logging
import ServiceLifecycle
import Store

/// `atrium serve --audit-retention-days N`: prunes audit records older than N days when the
/// server starts and once a day after, each time leaving a checkpoint so the chain still
/// verifies (``AuditLog/prune(olderThan:now:)``). A broken chain is never pruned: the error
/// is logged and retention waits for an operator.
public struct AuditRetentionService: Service {
    static let interval: Duration = .seconds(86_400)

    let audit: AuditLog
    let days: Int
    let logger: Logger

    public init(audit: AuditLog, days: Int, logger: Logger) {
        self.audit = audit
        self.days = days
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                await prune()
                try await Task.sleep(for: Self.interval)
            }
        }
    }

    private func prune() async {
        let cutoff = Date().addingTimeInterval(-Double(days) * 86_400)
        do {
            let pruning = try await audit.prune(olderThan: cutoff)
            if let checkpoint = pruning.checkpointRecord {
                logger.info(
                    "audit records pruned",
                    metadata: ["count": "\(pruning.deletedRecords)", "checkpoint.id": "\(checkpoint.id)", "days": "\(days)"])
            }
        } catch let error as AuditChainBroken {
            logger.error("audit retention paused: the chain is broken", metadata: ["audit.record": "\(error.firstBreak.recordID)"])
        } catch {
            logger.error("audit retention failed", metadata: ["error": .string(StoreError.diagnosis(of: error))])
        }
    }
}
