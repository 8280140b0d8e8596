import Foundation
import Tenancy

/// The limit counters of a store several replicas share (PostgreSQL): requests and tokens per
/// minute, requests running and the team's tokens this month, for teams and their keys. Every
/// method is one call of a database function (``PostgresSchema`` `pg16-shared-limits`): one
/// round trip, atomic, all or nothing. The decisions are the Gateway's `Limiter`'s, made where
/// every replica sees the same counters.
///
/// ```swift
/// let refusals = try await counters.admit(
///     subjects, in: scope, lease: lease, month: "2026-12", monthlyBudget: 1_000_000, at: Date())
/// // empty: admitted; later `release(…)` with the same lease.
/// ```
public final class SharedLimitCounters: Sendable {
    /// Whose limits a request is held to (`team:<id>` or `key:<id>`) and which it has.
    public struct Subject: Sendable, Hashable {
        public let id: String
        public let requestsPerMinute: Int?
        public let tokensPerMinute: Int?
        public let maxConcurrent: Int?

        public init(id: String, requestsPerMinute: Int?, tokensPerMinute: Int?, maxConcurrent: Int?) {
            self.id = id
            self.requestsPerMinute = requestsPerMinute
            self.tokensPerMinute = tokensPerMinute
            self.maxConcurrent = maxConcurrent
        }
    }

    /// One limit a request is over.
    public struct Refusal: Sendable, Hashable {
        public enum Limit: String, Sendable {
            case monthlyTokens = "month"
            case concurrency = "concurrent"
            case requestsPerMinute = "requests"
            case tokensPerMinute = "tokens"
        }

        public let limit: Limit
        /// The position of the subject in the request's list (`nil` for the team's month).
        public let subject: Int?
        /// Whole seconds until it would fit (the month's is the caller's to compute).
        public let retryAfter: Int
    }

    private let backend: PostgresBackend
    private let replica: ReplicaLock

    init(backend: PostgresBackend) {
        self.backend = backend
        replica = ReplicaLock(backend: backend)
    }

    /// Admits one request of `scope`'s team if the month's `monthlyBudget` is not used up and
    /// every subject has a request left this minute and room for one more running; then takes
    /// the request and a running slot under `lease`. Otherwise takes nothing and returns every
    /// limit it is over.
    public func admit(
        _ subjects: [Subject], in scope: TenantScope, lease: String, month: String, monthlyBudget: Int?, at date: Date
    ) async throws -> [Refusal] {
        let replica = try await replica.number()
        return try Self.refusals(
            try await backend.statement(
                "SELECT * FROM atrium_limits_admit(?, ?::jsonb, ?, ?, ?, ?, ?)",
                [
                    scope.team.id.rawValue, try Self.json(subjects), lease, replica, month, monthlyBudget,
                    date.timeIntervalSince1970,
                ]))
    }

    /// Takes `tokens` from every subject's tokens-per-minute bucket, or nothing and returns
    /// every limit it is over.
    public func reserve(_ tokens: Int, for subjects: [Subject], in scope: TenantScope, at date: Date) async throws
        -> [Refusal]
    {
        try Self.refusals(
            try await backend.statement(
                "SELECT * FROM atrium_limits_reserve(?, ?::jsonb, ?, ?)",
                [scope.team.id.rawValue, try Self.json(subjects), Double(tokens), date.timeIntervalSince1970]))
    }

    /// Ends `lease`: frees its running slots, gives back `tokensBack` (negative: takes more)
    /// and, for a request that never ran, its request; adds `usedTokens` to the team's `month`.
    public func release(
        _ subjects: [Subject], in scope: TenantScope, lease: String, tokensBack: Double, requestBack: Bool,
        month: String, usedTokens: Int
    ) async throws {
        // `FROM`, and a column of its own: a `void` value has no Swift form to read into.
        _ = try await backend.statement(
            "SELECT 1 AS released FROM atrium_limits_release(?, ?::jsonb, ?, ?, ?, ?, ?)",
            [
                scope.team.id.rawValue, try Self.json(subjects), lease, tokensBack,
                SQLValue.bool(requestBack),  // a `Bool` binds as an integer, SQLite's form
                month, usedTokens,
            ])
    }

    /// Requests running now for `subject`, on every replica (tests and diagnostics).
    public func running(_ subject: String, in scope: TenantScope) async throws -> Int {
        try await backend.read(in: scope) { db in
            try db.fetchValue(Int.self, "SELECT count(*) FROM limit_leases WHERE subject = ?", [subject]) ?? 0
        }
    }

    /// Gives up this replica's liveness lock, so the others count its leases as dead — what a
    /// crash does (tests).
    public func abandonReplica() async {
        await replica.release()
    }

    private struct SubjectJSON: Encodable {
        let id: String
        let rpm: Int?
        let tpm: Int?
        let concurrent: Int?
    }

    private static func json(_ subjects: [Subject]) throws -> String {
        let rows = subjects.map {
            SubjectJSON(id: $0.id, rpm: $0.requestsPerMinute, tpm: $0.tokensPerMinute, concurrent: $0.maxConcurrent)
        }
        return String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)
    }

    private static func refusals(_ rows: [SQLRow]) throws -> [Refusal] {
        try rows.map { row in
            let reason = try row.decode(String.self, forColumn: "reason")
            guard let limit = Refusal.Limit(rawValue: reason) else {
                throw StoreError.corruptRow(table: "atrium_limits", problem: "unknown limit \(reason)")
            }
            let index = try row.decode(Int.self, forColumn: "subject_index")
            return Refusal(
                limit: limit, subject: index < 0 ? nil : index, retryAfter: try row.decode(Int.self, forColumn: "retry_after"))
        }
    }
}
