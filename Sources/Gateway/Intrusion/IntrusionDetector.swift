import Foundation
import Logging
import Metrics
import Store
import Synchronization
import Tenancy

/// Intrusion detection at the door of every authenticated route.
///
/// - Before authentication, ``refuseIfBlocked(_:audit:)`` turns away an address that
///   presented too many failed keys (429 with `Retry-After`, audited as `address_blocked`;
///   its key is not even looked up).
/// - When a request ends, ``requestEnded(_:address:presentedKey:)`` counts a failed key
///   against its address (blocking it at the policy's threshold), raises alerts for the
///   blocked address, cross-team attempts, revoked-key use and escalation attempts, and
///   counts denials, authentication failures and alerts in metrics.
///
/// Blocks and failure counts are shared by every replica on PostgreSQL (``AddressBlocks``): the
/// replica whose failure tips an address over raises its one alert.
///
/// Alerts are written off the response path: a denial that raises one answers as fast as
/// one that does not, so response times never tell another tenant's existing resources from
/// missing ones. ``settled()`` waits for the writes under way (the alerts route calls it, so
/// an alert is readable once the request that raised it has answered). An unknown address
/// (`nil`) is never blocked — a socket always has one; only in-process tests have none.
public final class IntrusionDetector: Sendable {
    public let policy: IntrusionPolicy
    /// In memory on the embedded store; in the database every replica shares on PostgreSQL.
    private let tracker: any AddressBlocks
    private let store: AtriumStore
    private let logger: Logger
    private let now: @Sendable () -> Date
    /// Alert writes under way, by serial number.
    private let writes = Mutex<(next: Int, tasks: [Int: Task<Void, Never>])>((0, [:]))
    private let repeats = AlertRepeats()

    public init(
        policy: IntrusionPolicy, store: AtriumStore, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.policy = policy
        tracker =
            store.sharedAddresses.map { SharedAddressTracker(blocks: $0, policy: policy) as any AddressBlocks }
            ?? AddressTracker(policy: policy)
        self.store = store
        self.logger = logger
        self.now = now
    }

    /// What failed keys are counted and blocks are kept by: an IPv4 address, an IPv6 client's
    /// /64 (``ClientNetwork``) — one host often has a whole /64, and would otherwise get 2⁶⁴
    /// fresh addresses to try keys from.
    static func blockedUnit(_ address: String) -> String {
        ClientNetwork(ipAddress: address)?.description ?? address
    }

    /// Throws the 429 of a blocked address (recorded in `audit`).
    public func refuseIfBlocked(_ address: String?, audit: RequestAudit) async throws {
        guard let address,
            let seconds = try await tracker.remainingBlock(of: Self.blockedUnit(address), at: now())
        else { return }
        audit.decided(.deny(.addressBlocked))
        throw GatewayError(
            .rateLimited, "Too many failed keys from this address; it is blocked for \(seconds) s",
            code: DenialReason.addressBlocked.rawValue, retryAfter: seconds)
    }

    /// Looks at how the request ended: metrics, failed-key counting, alerts.
    /// - Parameter presentedKey: whether the request carried an `Authorization` header (a
    ///   request with none is not a failed key).
    public func requestEnded(_ audit: RequestAudit, address: String?, presentedKey: Bool) async {
        let outcome = audit.snapshot()
        // Denials and authentication failures are counted by the Accountant, which sees every record.
        guard let reason = outcome.decision?.denialReason else { return }
        let identity = outcome.identity
        if reason.isAuthenticationFailure, presentedKey, let address,
            case let unit = Self.blockedUnit(address), await noteFailure(from: unit)
        {
            // The address's alert, not any one key's: which failure tipped it over is chance.
            // It names what is blocked: the address, or its IPv6 /64.
            await raise(
                .addressBlocked, address: unit, identity: nil,
                detail: "\(policy.failuresBeforeBlock) failed keys within \(policy.windowSeconds) s; "
                    + "blocked for \(policy.blockSeconds) s")
        }
        if let alert = AlertRule.alert(for: reason, action: outcome.action) {
            await raise(alert.kind, address: address, identity: identity, detail: alert.detail, target: outcome.target)
        }
    }

    /// Counts a failed key; `true` when it blocks the address. A store that cannot count it
    /// is logged (the address only) and blocks nothing.
    private func noteFailure(from address: String) async -> Bool {
        do {
            return try await tracker.noteFailure(from: address, at: now())
        } catch {
            logger.error(
                "counting a failed key failed",
                metadata: ["client.address": "\(address)", "error": .string(StoreError.diagnosis(of: error))])
            return false
        }
    }

    /// A team's guardrails blocked or flagged something in the request `audit` records; the
    /// detail names types and the request id, never the text.
    public func guardrailAlert(_ kind: AlertKind, audit: RequestAudit, detail: String) async {
        let identity = audit.snapshot().identity
        await raise(
            kind, address: audit.clientAddress, identity: identity, detail: "\(detail) (request \(audit.requestID))",
            repeating: detail)
    }

    /// Returns once every alert raised before the call is written.
    public func settled() async {
        let pending = writes.withLock { Array($0.tasks.values) }
        for task in pending { await task.value }
    }

    /// - Parameter repeating: what makes a later alert a repeat of this one, beside its kind,
    ///   source and target (default: the detail; a guardrail's leaves out the request id).
    private func raise(
        _ kind: AlertKind, address: String?, identity: KeyIdentity?, detail: String, target: Resource? = nil,
        repeating: String? = nil
    ) async {
        var targetTeam: TeamID?
        var targetOrganization: OrganizationID?
        switch target {
        case let .organization(id)?:
            targetOrganization = id
        case let .team(team)?:
            targetOrganization = team.organizationID
            targetTeam = team.id
        default:
            break
        }
        Counter(label: "atrium_alerts_total", dimensions: [("kind", kind.rawValue)]).increment()
        let signature = [
            kind.rawValue, identity?.keyPrefix ?? address ?? "", targetOrganization?.rawValue ?? "",
            targetTeam?.rawValue ?? "", repeating ?? detail,
        ].joined(separator: "\u{0}")
        guard let folded = repeats.admit(signature, at: now()) else { return }
        let alert = Alert(
            occurredAt: now(), kind: kind, address: address, organizationID: identity?.binding.organizationID,
            teamID: identity?.binding.teamID, keyPrefix: identity?.keyPrefix,
            detail: folded == 0
                ? detail : "\(detail) (and \(folded) more like it since the last such alert, folded into this one)",
            targetOrganizationID: targetOrganization, targetTeamID: targetTeam)
        var metadata: Logger.Metadata = ["alert.kind": "\(kind.rawValue)"]
        if let address { metadata["client.address"] = "\(address)" }
        if let prefix = identity?.keyPrefix { metadata["key.prefix"] = "\(prefix)" }
        logger.warning("security alert", metadata: metadata)
        let store = store
        let logger = logger
        let alertMetadata = metadata
        writes.withLock { writes in
            let serial = writes.next
            writes.next += 1
            writes.tasks[serial] = Task { [weak self] in
                do {
                    try await store.alerts.record(alert)
                } catch {
                    let failure = alertMetadata.merging(["error": "\(error)"]) { $1 }
                    logger.error("recording an alert failed", metadata: failure)
                }
                _ = self?.writes.withLock { $0.tasks.removeValue(forKey: serial) }
            }
        }
    }
}
