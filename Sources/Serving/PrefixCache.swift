import Inference

/// KV states of token sequences a team's requests computed — their prompts once prefilled,
/// prompt and reply once finished — kept in dedicated cache slots, so that a later request of
/// the same team copies the states of the longest start it shares with one of them instead of
/// computing it: the team's system prompt, a document it asks about again, a conversation's
/// history when its next turn comes (llama.cpp's server and vLLM reuse prefixes the same way,
/// though not per team).
///
/// Every entry belongs to a tenant and a lookup only ever sees the caller's own: a team can
/// learn nothing about another team's prompts from how fast its own requests start. Entries
/// are few (one per cache slot), so lookups scan them. When room is needed, the tenant holding
/// the most of what ran out — slots or bytes, the newcomer's counted with it — gives up its
/// least recently used entry, so a team that floods the cache evicts its own entries, not a
/// quieter team's; and an entry whose tokens are the start of a newer one of the same tenant
/// is dropped for it (the newer one serves every request the older one would).
struct PrefixCache {
    private struct Entry {
        let tenant: String
        let tokens: [TokenID]
        let slot: Int
        let bytes: Int
        var lastUsed: UInt64
    }

    /// Where to store a new entry, and the slots of the entries dropped to make room (their
    /// states are garbage now: the caller clears them).
    struct Reservation: Equatable {
        let slot: Int
        let released: [Int]
    }

    private var entries: [Entry] = []
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

    /// The slot of `tenant`'s entry that shares the longest start with `prompt`, and how many
    /// tokens (at most `limit`) it shares; nil when none shares a token.
    mutating func longestMatch(tenant: String, prompt: ArraySlice<TokenID>, limit: Int) -> (slot: Int, length: Int)? {
        tick += 1
        var best: (index: Int, length: Int)?
        for (index, entry) in entries.enumerated() where entry.tenant == tenant {
            let length = Self.commonStart(entry.tokens, prompt, limit: limit)
            if length > (best?.length ?? 0) { best = (index, length) }
        }
        guard let best else {
            misses += 1
            return nil
        }
        hits += 1
        entries[best.index].lastUsed = tick
        return (entries[best.index].slot, best.length)
    }

    /// A slot to store `tenant`'s `tokens` in, or nil when an entry of the tenant already starts
    /// with all of them or they alone exceed the budget. Makes room by dropping the tenant's
    /// entries that `tokens` extend, then the least recently used ones.
    mutating func reserve(tenant: String, tokens: [TokenID], bytes: Int) -> Reservation? {
        guard !tokens.isEmpty, bytes <= budgetBytes else { return nil }
        guard !entries.contains(where: { $0.tenant == tenant && $0.tokens.starts(with: tokens) }) else { return nil }
        var released: [Int] = []
        func drop(_ index: Int) {
            let entry = entries.remove(at: index)
            freeSlots.append(entry.slot)
            usedBytes -= entry.bytes
            released.append(entry.slot)
        }
        while let extended = entries.firstIndex(where: {
            $0.tenant == tenant && $0.tokens.count < tokens.count && tokens.starts(with: $0.tokens)
        }) {
            drop(extended)
        }
        while freeSlots.isEmpty || usedBytes + bytes > budgetBytes {
            // Out of slots: the tenant holding the most entries; out of bytes: the most bytes.
            let bySlots = freeSlots.isEmpty
            guard let victim = largestHolder(for: tenant, adding: bySlots ? 1 : bytes, measure: { bySlots ? 1 : $0.bytes }),
                let oldest = entries.indices.filter({ entries[$0].tenant == victim })
                    .min(by: { entries[$0].lastUsed < entries[$1].lastUsed })
            else { return nil }
            drop(oldest)
        }
        tick += 1
        let slot = freeSlots.removeLast()
        entries.append(Entry(tenant: tenant, tokens: tokens, slot: slot, bytes: bytes, lastUsed: tick))
        usedBytes += bytes
        return Reservation(slot: slot, released: released.filter { $0 != slot })
    }

    /// The tenant holding the most by `measure`, `newcomer` counted with `extra` more (ties go to
    /// the newcomer, then to the lower name); nil when nothing is held.
    private func largestHolder(for newcomer: String, adding extra: Int, measure: (Entry) -> Int) -> String? {
        var held: [String: Int] = [:]
        for entry in entries { held[entry.tenant, default: 0] += measure(entry) }
        guard !held.isEmpty else { return nil }
        if held[newcomer] != nil { held[newcomer]! += extra }
        return held.max { a, b in
            a.value != b.value ? a.value < b.value : (a.key == newcomer) != (b.key == newcomer) ? b.key == newcomer : a.key > b.key
        }?.key
    }

    /// Forgets the entry in `slot` (its states could not be stored after all).
    mutating func remove(slot: Int) {
        guard let index = entries.firstIndex(where: { $0.slot == slot }) else { return }
        usedBytes -= entries.remove(at: index).bytes
        freeSlots.append(slot)
    }

    private static func commonStart(_ tokens: [TokenID], _ prompt: ArraySlice<TokenID>, limit: Int) -> Int {
        var length = 0
        var index = prompt.startIndex
        let end = min(tokens.count, prompt.count, limit)
        while length < end && tokens[length] == prompt[index] {
            length += 1
            index += 1
        }
        return length
    }
}
