/// A trie over byte strings that finds every occurrence of every stored string in one pass.
struct ByteTrie: Sendable {
    /// Children of each node as (byte, node) pairs; node 0 is the root.
    private var children: [[(byte: UInt8, node: Int32)]] = [[]]
    /// The stored value ending at each node, or -1.
    private var values: [Int] = [-1]

    mutating func insert(_ bytes: [UInt8], value: Int) {
        guard !bytes.isEmpty else { return }
        var node = 0
        for byte in bytes {
            if let child = child(of: node, byte) {
                node = child
            } else {
                children.append([])
                values.append(-1)
                children[node].append((byte, Int32(children.count - 1)))
                node = children.count - 1
            }
        }
        if values[node] < 0 { values[node] = value }
    }

    /// The start positions of each accepted value's occurrences, ascending, keyed by value.
    func occurrences(in bytes: [UInt8], accepting: (Int) -> Bool) -> [Int: [Int]] {
        var found: [Int: [Int]] = [:]
        guard children[0].count > 0 else { return found }
        for start in bytes.indices {
            var node = 0
            var position = start
            while position < bytes.count, let next = child(of: node, bytes[position]) {
                node = next
                position += 1
                let value = values[node]
                if value >= 0, accepting(value) { found[value, default: []].append(start) }
            }
        }
        return found
    }

    @inline(__always)
    private func child(of node: Int, _ byte: UInt8) -> Int? {
        for edge in children[node] where edge.byte == byte { return Int(edge.node) }
        return nil
    }
}
