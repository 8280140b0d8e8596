/// Limits of the shared serving engine.
public struct ServingConfiguration: Sendable, Equatable {
    /// Sequences decoded together at most (KV-cache slots), not counting the reserved ones.
    public var maximumSequences: Int
    /// Extra slots only a tenant running fewer than its fair share of sequences may take, so
    /// one tenant holding every regular slot never makes another wait for one of its requests
    /// to end. The batch may hold `maximumSequences + reservedSequences` sequences.
    public var reservedSequences: Int
    /// Tokens one forward pass computes at most: decode tokens first, then prompt chunks.
    public var maximumBatchTokens: Int
    /// Bytes of KV cache that admitted sequences may reserve together.
    public var kvCacheBudgetBytes: Int
    /// Longest context one sequence may use (prompt + generated tokens).
    public var maximumContext: Int
    /// How long a request may wait for a slot before it is refused as overloaded.
    public var queueTimeout: Duration
    /// How many requests may wait at once before new ones are refused.
    public var maximumQueued: Int
    /// Cache slots for per-team prompt prefixes, and the bytes they may hold (0 turns it off).
    public var prefixCacheSlots: Int
    public var prefixCacheBudgetBytes: Int

    public init(
        maximumSequences: Int = 16, reservedSequences: Int = 4, maximumBatchTokens: Int = 256,
        kvCacheBudgetBytes: Int = 512 << 20, maximumContext: Int = 4096, queueTimeout: Duration = .seconds(60),
        maximumQueued: Int = 1024, prefixCacheSlots: Int = 16, prefixCacheBudgetBytes: Int = 128 << 20
    ) throws {
        guard maximumSequences >= 1 else { throw ServingError.invalidConfiguration("maximum sequences must be at least 1") }
        guard reservedSequences >= 0 else { throw ServingError.invalidConfiguration("reserved sequences must not be negative") }
        guard maximumBatchTokens >= maximumSequences + reservedSequences else {
            throw ServingError.invalidConfiguration(
                "maximum batch tokens must be at least the maximum sequences plus the reserved ones")
        }
        guard kvCacheBudgetBytes > 0, maximumContext > 0, maximumQueued >= 0 else {
            throw ServingError.invalidConfiguration("budgets must be positive")
        }
        self.maximumSequences = maximumSequences
        self.reservedSequences = reservedSequences
        self.maximumBatchTokens = maximumBatchTokens
        self.kvCacheBudgetBytes = kvCacheBudgetBytes
        self.maximumContext = maximumContext
        self.queueTimeout = queueTimeout
        self.maximumQueued = maximumQueued
        self.prefixCacheSlots = max(0, prefixCacheSlots)
        self.prefixCacheBudgetBytes = max(0, prefixCacheBudgetBytes)
    }

    /// Every sequence slot: the regular ones and the reserved ones.
    var sequenceSlots: Int { maximumSequences + reservedSequences }
}
