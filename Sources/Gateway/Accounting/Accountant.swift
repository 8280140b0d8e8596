import Foundation
import Store
import Tenancy

/// The account stage: turns a finished ``RequestAudit`` into its audit entry and usage entry
/// and hands them to the ``AccountingWriter``; counts denials and tokens on the way (every
/// request passes here exactly once, so nothing is counted twice).
public struct Accountant: Sendable {
    let writer: AccountingWriter
    let metrics: AtriumMetrics

    public init(writer: AccountingWriter, metrics: AtriumMetrics = AtriumMetrics()) {
        self.writer = writer
        self.metrics = metrics
    }

    /// Writes the request's record unless it streams (then ``finishStream(_:)`` does).
    public func finish(_ audit: RequestAudit) {
        guard !audit.writesWithStream else { return }
        write(audit)
    }

    /// How long an answer waits for its record's commit at most: with the database down the
    /// record stays queued (committed when it returns) and the answer is withheld — a 503 in
    /// its place, or a stream's error in place of its end.
    public static let commitWait: Duration = .seconds(5)

    /// ``finish(_:)``, returning once the record is committed: an answer is acknowledged only
    /// after its record is in the store, so a crash right after (`kill -9`) loses nothing a
    /// client was told had happened — a refusal as much as a success. One commit serves every
    /// request waiting at that moment.
    /// - Returns: false when the record could not be committed within ``commitWait`` (it
    ///   stays queued); true otherwise (also for a streamed request, whose stream waits).
    @discardableResult
    public func finishCommitted(_ audit: RequestAudit) async -> Bool {
        guard !audit.writesWithStream, write(audit) else { return true }
        return await writer.flush(waitingAtMost: Self.commitWait)
    }

    /// Writes the record of an answer about to leave with `status`, waiting for its commit —
    /// except a refusal's (400 and above) while commits are failing: it goes at once, its
    /// record queued, since the commit will not come. The one rule for every door (the API's,
    /// the console's).
    /// - Returns: whether the answer may leave: false for a success whose record did not
    ///   commit within ``commitWait`` (it is withheld, ``unrecordable`` in its place).
    public func settle(_ audit: RequestAudit, status: Int) async -> Bool {
        if status >= 400, isFailing {
            finish(audit)
            return true
        }
        return await finishCommitted(audit) || status >= 400
    }

    /// Returns once every record written so far is committed: a stream ends (`[DONE]`) only
    /// after its record is in the store.
    /// - Returns: false when that took longer than ``commitWait`` (the records stay queued).
    public func committed() async -> Bool {
        await writer.flush(waitingAtMost: Self.commitWait)
    }

    /// Whether records cannot be committed now (commits have been failing for a second or
    /// more): requests are refused at the door, since none could be recorded, and refusals do
    /// not wait for a commit that will not come.
    public var isFailing: Bool { writer.isFailing }

    /// A 503 for a request that cannot be recorded: the database is down, full or refusing.
    public static var unrecordable: GatewayError {
        GatewayError(
            .unavailable, "the audit log cannot be written now, so nothing is served; try again shortly",
            code: "storage_unavailable", retryAfter: 5)
    }

    /// Marks `audit` as written when its stream ends, not when its handler returns; the writer
    /// waits for such records before its last commit at shutdown.
    public func beginStream(_ audit: RequestAudit) {
        audit.finishesWithStream()
        writer.expectRecord()
    }

    /// Writes the record of a streamed request when its stream ended, however it ended. Call
    /// it once per ``beginStream(_:)``.
    public func finishStream(_ audit: RequestAudit) {
        write(audit)
        writer.fulfillExpectedRecord()
    }

    /// Submits the record; false when it was already written.
    @discardableResult
    private func write(_ audit: RequestAudit) -> Bool {
        guard let state = audit.close() else { return false }
        let latency = audit.startedAt.duration(to: .now)
        let milliseconds = Int(latency.components.seconds * 1000 + latency.components.attoseconds / 1_000_000_000_000_000)
        let entry = AuditEntry(
            occurredAt: audit.occurredAt, requestID: audit.requestID, identity: state.identity, action: state.action,
            resource: state.resource, decision: state.decision ?? .deny(.actionDoesNotApply), query: state.query,
            promptTokens: state.usage.promptTokens, completionTokens: state.usage.completionTokens,
            latencyMilliseconds: milliseconds, cacheHit: state.cacheHit, sources: state.sources,
            clientAddress: audit.clientAddress, flags: state.flags, person: state.person)
        var usage: UsageEntry?
        if state.metered, state.decision == .allow, let scope = state.scope, let delta = Self.usageDelta(of: state) {
            usage = UsageEntry(delta, in: scope, at: audit.occurredAt)
        }
        writer.submit(entry, usage: usage, budgets: state.budgets)
        count(entry, usage: usage)
        return true
    }

    private func count(_ entry: AuditEntry, usage: UsageEntry?) {
        if case let .deny(reason) = entry.decision { metrics.denied(reason) }
        if let usage {
            metrics.tokens(
                promptTokens: entry.promptTokens, completionTokens: entry.completionTokens, team: usage.scope.teamID)
        }
    }

    /// The ledger's share of a request: its tokens, or for a cached answer one cache hit and
    /// no tokens (the model did not compute it again).
    private static func usageDelta(of state: RequestAudit.State) -> UsageDelta? {
        guard !state.cacheHit else { return try? UsageDelta(cacheHits: 1) }
        return try? UsageDelta(promptTokens: state.usage.promptTokens, completionTokens: state.usage.completionTokens)
    }
}
