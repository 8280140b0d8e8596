/// What a retention prune leaves in the chain: the records up to ``throughID`` were deleted,
/// and the last of them had ``throughHash`` — the `prev_hash` the first remaining record
/// must carry. The checkpoint is itself a chained record, so it cannot be edited unnoticed.
public struct AuditCheckpoint: Sendable, Hashable {
    /// The id of the last deleted record.
    public let throughID: Int64
    /// The hash of the last deleted record.
    public let throughHash: String

    public init(throughID: Int64, throughHash: String) {
        self.throughID = throughID
        self.throughHash = throughHash
    }
}
