/// Keys and values of every layer for a set of independent sequences, stored as float16
/// (as llama.cpp stores them). Each sequence slot grows on demand up to `maximumPositions`
/// and is released with `clear`, so memory follows the live sequences, not the worst case.
///
/// Layout of one slot: `keys[layer][position][kvDimension]`, `values` likewise.
public final class KVCache: @unchecked Sendable {
    public let layerCount: Int
    public let kvDimension: Int
    public let maximumPositions: Int
    public let slotCount: Int
    private var slots: [Slot?]

    private final class Slot {
        var capacity: Int
        var length = 0
        var keys: UnsafeMutablePointer<UInt16>
        var values: UnsafeMutablePointer<UInt16>

        init(capacity: Int, stride: Int) {
            self.capacity = capacity
            keys = .allocate(capacity: capacity * stride)
            values = .allocate(capacity: capacity * stride)
        }

        deinit {
            keys.deallocate()
            values.deallocate()
        }
    }

    /// A cache for `slots` sequences of at most `maximumPositions` tokens each.
    public init(hyperParameters: HyperParameters, slots: Int, maximumPositions: Int) {
        layerCount = hyperParameters.layerCount
        kvDimension = hyperParameters.kvDimension
        self.maximumPositions = min(maximumPositions, hyperParameters.contextLength)
        slotCount = slots
        self.slots = Array(repeating: nil, count: slots)
    }

    /// Bytes held for one position of one sequence (keys and values of every layer).
    public var bytesPerPosition: Int { layerCount * kvDimension * 2 * 2 }

    /// Bytes currently allocated across all slots.
    public var allocatedBytes: Int {
        slots.reduce(0) { $0 + ($1?.capacity ?? 0) * bytesPerPosition }
    }

    /// Number of positions stored for `sequence`.
    public func length(of sequence: Int) -> Int { slots[sequence]?.length ?? 0 }

    /// Forgets everything stored for `sequence` and frees its memory.
    public func clear(_ sequence: Int) { slots[sequence] = nil }

    /// Keeps only the first `length` positions of `sequence` (to reuse a shared prefix).
    public func truncate(_ sequence: Int, to length: Int) {
        guard let slot = slots[sequence] else { return }
        slot.length = min(slot.length, length)
    }

    /// Bytes allocated for `sequence` (its capacity, which may exceed what it holds).
    public func heldBytes(of sequence: Int) -> Int { (slots[sequence]?.capacity ?? 0) * bytesPerPosition }

    /// Swaps what two slots hold, without copying: a finished sequence's states become a
    /// cache entry's in an instant.
    public func exchange(_ first: Int, _ second: Int) { slots.swapAt(first, second) }

    /// Copies the first `count` positions of `source` into `destination` (replacing what it held),
    /// so a sequence can start from a cached prefix instead of recomputing it. With `growable`
    /// false the destination gets room for exactly `count` positions (a cache entry never grows).
    public func copyPrefix(from source: Int, to destination: Int, count: Int, growable: Bool = true) throws {
        guard source != destination, count <= length(of: source) else { return }
        clear(destination)
        try reserve(destination, positions: max(count, 1), minimumCapacity: growable ? 256 : max(count, 1))
        for layer in 0..<layerCount {
            keys(layer: layer, sequence: destination).update(from: keys(layer: layer, sequence: source), count: count * kvDimension)
            values(layer: layer, sequence: destination).update(from: values(layer: layer, sequence: source), count: count * kvDimension)
        }
        slots[destination]!.length = count
    }

    /// Makes room for positions `0..<positions` in `sequence`.
    func reserve(_ sequence: Int, positions: Int, minimumCapacity: Int = 256) throws {
        guard positions <= maximumPositions else {
            throw InferenceError.contextOverflow(requested: positions, limit: maximumPositions)
        }
        let layerStride = kvDimension
        if let slot = slots[sequence], slot.capacity >= positions { return }
        var capacity = max(minimumCapacity, slots[sequence]?.capacity ?? 0)
        while capacity < positions { capacity *= 2 }
        capacity = min(capacity, maximumPositions)
        let grown = Slot(capacity: capacity, stride: layerCount * layerStride)
        if let old = slots[sequence] {
            for layer in 0..<layerCount {
                let count = old.length * kvDimension
                (grown.keys + layer * capacity * kvDimension).update(from: old.keys + layer * old.capacity * kvDimension, count: count)
                (grown.values + layer * capacity * kvDimension).update(from: old.values + layer * old.capacity * kvDimension, count: count)
            }
            grown.length = old.length
        }
        slots[sequence] = grown
    }

    /// Records that `sequence` now holds `length` positions.
    func setLength(_ sequence: Int, _ length: Int) {
        slots[sequence]!.length = max(slots[sequence]!.length, length)
    }

    /// `[position][kvDimension]` keys of `layer` for `sequence`.
    @inline(__always)
    func keys(layer: Int, sequence: Int) -> UnsafeMutablePointer<UInt16> {
        let slot = slots[sequence]!
        return slot.keys + layer * slot.capacity * kvDimension
    }

    /// `[position][kvDimension]` values of `layer` for `sequence`.
    @inline(__always)
    func values(layer: Int, sequence: Int) -> UnsafeMutablePointer<UInt16> {
        let slot = slots[sequence]!
        return slot.values + layer * slot.capacity * kvDimension
    }
}
