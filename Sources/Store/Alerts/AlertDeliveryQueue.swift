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

    /// What the delivery service is sending, so that a claim spreads the sending over
    /// destinations and organizations: one delivery per destination at a time (a receiver gets
    /// its alerts in order, and a slow one holds up only its own) and at most
    /// `perOrganization` per organization (the platform's destinations count as one), so one
    /// organization's slow or flooded receivers never take every sender.
    public struct InFlight: Sendable {
        public let perOrganization: Int
        private var destinations: Set<AlertDestinationID> = []
        private var organizations: [OrganizationID?: Int] = [:]

        public init(perOrganization: Int) {
            self.perOrganization = perOrganization
        }

        /// Deliveries being sent.
        public var count: Int { destinations.count }

        func admits(_ destination: AlertDestinationID, of organization: OrganizationID?) -> Bool {
            !destinations.contains(destination) && organizations[organization, default: 0] < perOrganization
        }

        public mutating func insert(_ delivery: Delivery) {
            destinations.insert(delivery.destinationID)
            organizations[delivery.audience, default: 0] += 1
        }

        public mutating func remove(_ delivery: Delivery) {
            guard destinations.remove(delivery.destinationID) != nil else { return }
            organizations[delivery.audience, default: 1] -= 1
        }
    }

    /// Destinations with due deliveries a claim looks at: more than the senders (8) plus what
    /// the per-organization bound can leave out (an organization has at most 20 destinations).
    static let claimCandidates = 256

    /// Takes up to `limit` deliveries due at `now` that `inFlight` admits — the oldest due one
    /// of each destination, destinations by how long they have waited — and moves their next
    /// attempt to `now + lease` (so they are not taken twice, and come back if the process dies).
    public func claim(
        now: Date, lease: Duration, limit: Int = 32, inFlight: InFlight = InFlight(perOrganization: .max)
    ) async throws -> [Delivery] {
        let nowMilliseconds = now.millisecondsSince1970
        let leaseMilliseconds = lease.components.seconds * 1000 + lease.components.attoseconds / 1_000_000_000_000_000
        return try await backend.write { db in
            // SQLite has one writer at a time and no row locks to skip.
            let skipLocked = db.dialect == .postgres ? " FOR UPDATE OF q SKIP LOCKED" : ""
            let due = try db.fetchAll(
                """
                SELECT destination_id, audience_organization_id, min(next_attempt_at_ms) AS due
                FROM alert_deliveries WHERE next_attempt_at_ms <= ?
                GROUP BY destination_id, audience_organization_id
                ORDER BY due, destination_id
                LIMIT ?
                """,
                [nowMilliseconds, Self.claimCandidates])
            var taken = inFlight
            var deliveries: [Delivery] = []
            for candidate in due where deliveries.count < limit {
                let destination = AlertDestinationID(rawValue: try candidate.decode(forColumn: "destination_id"))
                let organization = try candidate.decode(String?.self, forColumn: "audience_organization_id")
                    .map(OrganizationID.init(rawValue:))
                guard taken.admits(destination, of: organization) else { continue }
                guard
                    let row = try db.fetchOne(
                        """
                        SELECT q.id AS delivery_id, q.destination_id, q.audience_organization_id, q.attempts,
                            d.url, d.secret, a.*
                        FROM alert_deliveries q
                        JOIN alert_destinations d ON d.id = q.destination_id
                        JOIN alerts a ON a.id = q.alert_id
                        WHERE q.destination_id = ? AND q.next_attempt_at_ms <= ?
                        ORDER BY q.next_attempt_at_ms, q.id
                        LIMIT 1
                        """ + skipLocked,
                        [destination.rawValue, nowMilliseconds])
                else { continue }  // another replica is sending it
                let urlText: String = try row.decode(forColumn: "url")
                let delivery = try Delivery(
                    id: row.decode(forColumn: "delivery_id"), destinationID: destination,
                    url: WebhookURL(urlText), secret: WebhookSecret(stored: row.decode(forColumn: "secret")),
                    audience: organization, alert: row.alertRecord(), attempts: row.decode(forColumn: "attempts"))
                try db.execute(
                    "UPDATE alert_deliveries SET next_attempt_at_ms = ? WHERE id = ?",
                    [nowMilliseconds + leaseMilliseconds, delivery.id])
                taken.insert(delivery)
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
