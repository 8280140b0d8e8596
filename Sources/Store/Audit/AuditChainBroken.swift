/// A prune refused because the chain is already broken.
public struct AuditChainBroken: Error, Sendable, Hashable, CustomStringConvertible {
    public let firstBreak: AuditBreak

    public var description: String { "the audit chain is broken (\(firstBreak)); nothing was pruned" }
}
