/// What a prune did.
public struct AuditPruning: Sendable, Hashable {
    public let deletedRecords: Int
    /// The checkpoint chained after the deletion; `nil` when nothing was old enough.
    public let checkpointRecord: AuditRecord?
}
