/// Values by key within a total cost, evicting the least recently used first: a dictionary
/// into a slab of nodes chained from most to least recently used, so lookup, insertion and
/// eviction are O(1).
struct LeastRecentlyUsed<Key: Hashable, Value> {
    private struct Node {
        var key: Key
        var value: Value
        var cost: Int
        var newer: Int?
        var older: Int?
    }

    let capacity: Int
    private(set) var totalCost = 0
    private var index: [Key: Int] = [:]
    private var nodes: [Node?] = []
    private var freeNodes: [Int] = []
    private var newest: Int?
    private var oldest: Int?

    /// - Parameter capacity: the total cost the values may add up to.
    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    var count: Int { index.count }

    /// The value for `key`, which becomes the most recently used.
    mutating func value(for key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        moveToNewest(slot)
        return nodes[slot]!.value
    }

    /// The value for `key` without touching its recency.
    func peek(_ key: Key) -> Value? {
        index[key].map { nodes[$0]!.value }
    }

    /// Inserts or replaces `key`'s value, then evicts the least recently used values until the
    /// total fits. A value costlier than the whole capacity is not kept.
    /// - Returns: the keys evicted to make room.
    @discardableResult
    mutating func insert(_ value: Value, for key: Key, cost: Int) -> [Key] {
        removeValue(for: key)
        guard cost <= capacity else { return [] }
        var evicted: [Key] = []
        while totalCost + cost > capacity, let oldest {
            evicted.append(nodes[oldest]!.key)
            remove(slot: oldest)
        }
        let node = Node(key: key, value: value, cost: cost, newer: nil, older: newest)
        let slot: Int
        if let free = freeNodes.popLast() {
            slot = free
            nodes[slot] = node
        } else {
            slot = nodes.count
            nodes.append(node)
        }
        if let newest { nodes[newest]!.newer = slot }
        newest = slot
        if oldest == nil { oldest = slot }
        index[key] = slot
        totalCost += cost
        return evicted
    }

    /// Removes `key`'s value, if any.
    @discardableResult
    mutating func removeValue(for key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        let value = nodes[slot]!.value
        remove(slot: slot)
        return value
    }

    /// Removes the least recently used value; its key, or nil when empty.
    @discardableResult
    mutating func removeOldest() -> Key? {
        guard let oldest else { return nil }
        let key = nodes[oldest]!.key
        remove(slot: oldest)
        return key
    }

    /// Removes every value whose key satisfies `shouldRemove`.
    mutating func removeAll(where shouldRemove: (Key) -> Bool) {
        for (key, slot) in index where shouldRemove(key) { remove(slot: slot) }
    }

    private mutating func remove(slot: Int) {
        let node = nodes[slot]!
        unlink(slot)
        index[node.key] = nil
        totalCost -= node.cost
        nodes[slot] = nil
        freeNodes.append(slot)
    }

    private mutating func moveToNewest(_ slot: Int) {
        guard newest != slot else { return }
        unlink(slot)
        nodes[slot]!.older = newest
        nodes[slot]!.newer = nil
        if let newest { nodes[newest]!.newer = slot }
        newest = slot
        if oldest == nil { oldest = slot }
    }

    private mutating func unlink(_ slot: Int) {
        let node = nodes[slot]!
        if let newer = node.newer { nodes[newer]!.older = node.older } else { newest = node.older }
        if let older = node.older { nodes[older]!.newer = node.newer } else { oldest = node.newer }
        nodes[slot]!.newer = nil
        nodes[slot]!.older = nil
    }
}
