/// The result of checking the audit chain from its first record to its head.
public struct AuditVerification: Sendable, Hashable {
    /// Records that checked out before the first break (all of them when intact).
    public let intactRecords: Int
    /// The first place the chain is broken, `nil` when it is intact.
    public let firstBreak: AuditBreak?

    public var isIntact: Bool { firstBreak == nil }
}

/// Where and how the audit chain is broken.
public struct AuditBreak: Sendable, Hashable, CustomStringConvertible {
    public enum Problem: String, Sendable, Hashable {
        /// The record's content no longer matches its hash (edited, or moved to another id).
        case contentAltered = "content_altered"
        /// The record does not point at the hash of the record before it.
        case chainBroken = "chain_broken"
        /// The record with this id is gone (deleted, or cut off the end).
        case missing
        /// The head of the chain does not match the last record.
        case headMismatch = "head_mismatch"
    }

    /// The first broken record's id.
    public let recordID: Int64
    public let problem: Problem

    public var description: String {
        switch problem {
        case .contentAltered: "audit record \(recordID) was altered: its content does not match its hash"
        case .chainBroken: "audit record \(recordID) does not follow the record before it"
        case .missing: "audit record \(recordID) is missing"
        case .headMismatch: "audit record \(recordID) is not the head the log last wrote"
        }
    }
}
