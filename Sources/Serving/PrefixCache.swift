import Inference

/// KV states of common prompt prefixes (a team's rendered system prompt), kept in dedicated
/// cache slots so later requests of the same team skip recomputing them.
///
/// Every key starts with the tenant: a team can only ever hit its own prefixes, so no team can
/// learn anything about another team's prompts from how fast its own requests start. Entries
/// are evicted least-recently-used within the byte budget.
struct PrefixCache {
    struct Key: Hashable {
        let tenant: String
        let tokens: [TokenID]
    }

    private struct Entry {
        let slot: Int
        let bytes: Int
        var lastUsed: UInt64
    }

    private var entries: [Key: Entry] = [:]
    private var freeSlots: [Int]
    private let budgetBytes: Int
    private var usedBytes = 0
    private var tick: UInt64 = 0
    private(set) var hits = 0
    private(set) var misses = 0

    init(slots: [Int], budgetBytes: Int) {
        freeSlots = slots.reversed()
        self.budgetBytes = budgetBytes
    }

    var entryCount: Int { entries.count }

    /// The slot holding `tenant`'s prefix `tokens`, if cached.
    mutating func lookup(tenant: String, tokens: ArraySlice<TokenID>) -> Int? {
        tick += 1
        let key = Key(tenant: tenant, tokens: Array(tokens))
        guard var entry = entries[key] else {
            misses += 1
            return nil
        }
        hits += 1
        entry.lastUsed = tick
        entries[key] = entry
        return entry.slot
    }

    /// A slot to store `tenant`'s prefix in (evicting least-recently-used entries to make room),
    /// or nil when the prefix alone exceeds the budget or it is already stored.
    mutating func reserve(tenant: String, tokens: ArraySlice<TokenID>, bytes: Int) -> Int? {
        let key = Key(tenant: tenant, tokens: Array(tokens))
        guard entries[key] == nil, bytes <= budgetBytes else { return nil }
        while freeSlots.isEmpty || usedBytes + bytes > budgetBytes {
            guard let oldest = entries.min(by: { $0.value.lastUsed < $1.value.lastUsed }) else { return nil }
            entries[oldest.key] = nil
            freeSlots.append(oldest.value.slot)
            usedBytes -= oldest.value.bytes
        }
        tick += 1
        let slot = freeSlots.removeLast()
        entries[key] = Entry(slot: slot, bytes: bytes, lastUsed: tick)
        usedBytes += bytes
        return slot
    }
}
