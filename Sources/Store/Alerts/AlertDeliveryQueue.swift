import Foundation
import Tenancy

/// Deliveries of alerts to their destinations, kept in the database so a restart loses none.
///
/// Recording an alert enqueues one delivery per destination that receives it, in the same
/// transaction (``AlertLog/record(_:)``). The delivery service then ``claim(now:lease:limit:)``s
/// the due ones — pushing their next attempt past the lease, so a crash mid-send retries
/// later — and reports each outcome: ``delivered(_:at:)`` removes it, ``failed(_:at:failure:retryAt:)``
/// schedules the next attempt or gives up. Delivery is at least once: receivers dedupe by the
/// `X-Atrium-Delivery` id.
///
/// Several replicas may run the delivery service on one PostgreSQL database: a claim is a write
/// transaction (serialized with every other write) that skips rows another transaction holds
/// (`FOR UPDATE … SKIP LOCKED`) and moves each claimed delivery past its lease before it
/// commits, so no delivery is handed to two processes at once.
public struct AlertDeliveryQueue: Sendable {
    let backend: any StoreBackend

    /// One delivery due now, with everything needed to send it. Holds the destination's secret:
    /// never log it.
    public struct Delivery: Sendable {
        public let id: Int64
        public let destinationID: AlertDestinationID
        public let url: WebhookURL
        public let secret: WebhookSecret
        /// Whose view of the alert the body shows: the destination's organization, or `nil`
        /// for a platform-wide destination.
        public let audience: OrganizationID?
        public let alert: AlertRecord
        /// Attempts made before this one.
        public let attempts: Int
    }

    /// Why an attempt failed, stored as the destination's last error.
    public struct Failure: Sendable, Hashable {
        /// A short code: `http_status`, `timeout`, `connection_failed`, `redirect`, `other`.
        public let code: String
        /// The receiver's HTTP status, when it answered.
        public let status: Int?

        public init(code: String, status: Int? = nil) {
            self.code = code
            self.status = status
        }
    }

    /// Enqueues `record` for every destination that receives it (within the caller's write).
    static func enqueue(_ db: any SQLConnection, _ record: AlertRecord, now: Date) throws {
        let organizations = record.alert.concernedOrganizations.map(\.rawValue)
        let placeholders = organizations.map { _ in "?" }.joined(separator: ", ")
        let condition = organizations.isEmpty ? "" : " OR d.organization_id IN (\(placeholders))"
        let destinations = try db.fetchAll(
            AlertDestinationRepository.selection(db.dialect) + " WHERE d.organization_id IS NULL\(condition)",
            SQLArguments(organizations.map(SQLValue.text))
        ).compactMap { try? $0.alertDestination() }  // an unreadable destination must not cost the alert itself
        for destination in destinations where destination.receives(record.alert) {
            try db.execute(
                """
                INSERT INTO alert_deliveries (destination_id, alert_id, audience_organization_id, attempts,
                    next_attempt_at_ms, created_at_ms)
                VALUES (?, ?, ?, 0, ?, ?)
                """,
                [
                    destination.id.rawValue, record.id, destination.organizationID?.rawValue, now.millisecondsSince1970,
                    now.millisecondsSince1970,
                ])
        }
    }

    /// Takes up to `limit` deliveries due at `now`, oldest first, and moves their next attempt
    /// to `now + lease` (so they are not taken twice, and come back if the process dies).
    public func claim(now: Date, lease: Duration, limit: Int = 32) async throws -> [Delivery] {
        let nowMilliseconds = now.millisecondsSince1970
        let leaseMilliseconds = lease.components.seconds * 1000 + lease.components.attoseconds / 1_000_000_000_000_000
        return try await backend.write { db in
            // SQLite has one writer at a time and no row locks to skip.
            let skipLocked = db.dialect == .postgres ? " FOR UPDATE OF q SKIP LOCKED" : ""
            let rows = try db.fetchAll(
                """
                SELECT q.id AS delivery_id, q.destination_id, q.audience_organization_id, q.attempts,
                    d.url, d.secret, a.*
                FROM alert_deliveries q
                JOIN alert_destinations d ON d.id = q.destination_id
                JOIN alerts a ON a.id = q.alert_id
                WHERE q.next_attempt_at_ms <= ?
                ORDER BY q.next_attempt_at_ms, q.id
                LIMIT ?
                """ + skipLocked,
                [nowMilliseconds, limit])
            var deliveries: [Delivery] = []
            for row in rows {
                let urlText: String = try row.decode(forColumn: "url")
                let delivery = try Delivery(
                    id: row.decode(forColumn: "delivery_id"),
                    destinationID: AlertDestinationID(rawValue: row.decode(forColumn: "destination_id")),
                    url: WebhookURL(urlText), secret: WebhookSecret(stored: row.decode(forColumn: "secret")),
                    audience: row.decode(String?.self, forColumn: "audience_organization_id")
                        .map(OrganizationID.init(rawValue:)),
                    alert: row.alertRecord(), attempts: row.decode(forColumn: "attempts"))
                try db.execute(
                    "UPDATE alert_deliveries SET next_attempt_at_ms = ? WHERE id = ?",
                    [nowMilliseconds + leaseMilliseconds, delivery.id])
                deliveries.append(delivery)
            }
            return deliveries
        }
    }

    /// The receiver took the delivery (2xx): it leaves the queue.
    public func delivered(_ delivery: Delivery, at now: Date) async throws {
        try await backend.write { db in
            try db.execute("DELETE FROM alert_deliveries WHERE id = ?", [delivery.id])
            try db.execute(
                "UPDATE alert_destinations SET last_attempt_at_ms = ?, last_success_at_ms = ? WHERE id = ?",
                [now.millisecondsSince1970, now.millisecondsSince1970, delivery.destinationID.rawValue])
        }
    }

    /// The attempt failed: try again at `retryAt`, or (`nil`) give up and count it abandoned.
    public func failed(_ delivery: Delivery, at now: Date, failure: Failure, retryAt: Date?) async throws {
        try await backend.write { db in
            if let retryAt {
                try db.execute(
                    "UPDATE alert_deliveries SET attempts = attempts + 1, next_attempt_at_ms = ? WHERE id = ?",
                    [retryAt.millisecondsSince1970, delivery.id])
            } else {
                try db.execute("DELETE FROM alert_deliveries WHERE id = ?", [delivery.id])
            }
            try db.execute(
                """
                UPDATE alert_destinations SET last_attempt_at_ms = ?, last_error_at_ms = ?, last_error = ?,
                    last_error_status = ?, abandoned = abandoned + ?
                WHERE id = ?
                """,
                [
                    now.millisecondsSince1970, now.millisecondsSince1970, failure.code, failure.status,
                    retryAt == nil ? 1 : 0, delivery.destinationID.rawValue,
                ])
        }
    }

    /// When the next delivery is due, if any is queued (lets the service sleep until then).
    public func nextDue() async throws -> Date? {
        try await backend.read { db in
            try db.fetchValue(Int64.self, "SELECT min(next_attempt_at_ms) FROM alert_deliveries")
                .map(Date.init(millisecondsSince1970:))
        }
    }
}
