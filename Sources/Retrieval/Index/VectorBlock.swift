import Store

/// One collection's chunk vectors in one contiguous buffer, scanned row by row.
///
/// Not thread-safe by itself: its ``TeamPartition`` reads and writes it under a lock.
final class VectorBlock {
    let dimensions: Int
    // [row]
    private(set) var chunkIDs: [Int64]
    // [row][dimension]
    private var values: [Float]
    private var rows: [Int64: Int]

    init(_ packed: VectorRows) {
        dimensions = packed.dimensions
        chunkIDs = packed.chunkIDs
        values = packed.values
        rows = Dictionary(packed.chunkIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    init(dimensions: Int) {
        self.dimensions = dimensions
        chunkIDs = []
        values = []
        rows = [:]
    }

    var count: Int { chunkIDs.count }

    /// Adds a chunk's vector unless the block holds it already (changes may be applied twice).
    func add(_ chunkID: Int64, vector: [Float]) {
        guard vector.count == dimensions, rows[chunkID] == nil else { return }
        rows[chunkID] = chunkIDs.count
        chunkIDs.append(chunkID)
        values.append(contentsOf: vector)
    }

    /// Removes a chunk by moving the last row into its place; unknown ids are ignored.
    func remove(_ chunkID: Int64) {
        guard let row = rows.removeValue(forKey: chunkID) else { return }
        let last = chunkIDs.count - 1
        if row != last {
            let moved = chunkIDs[last]
            chunkIDs[row] = moved
            rows[moved] = row
            values.withUnsafeMutableBufferPointer { buffer in
                let base = buffer.baseAddress!
                (base + row * dimensions).update(from: base + last * dimensions, count: dimensions)
            }
        }
        chunkIDs.removeLast()
        values.removeLast(dimensions)
    }

    /// Offers every row's similarity to `query` that reaches `minimum`.
    func scan(_ query: UnsafePointer<Float>, minimum: Float, into top: inout TopScores) {
        let dimensions = dimensions
        values.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            chunkIDs.withUnsafeBufferPointer { ids in
                for row in 0..<ids.count {
                    let score = VectorKernel.dot(query, base + row * dimensions, count: dimensions)
                    if score >= minimum, score > top.threshold { top.offer(score, id: ids[row]) }
                }
            }
        }
    }
}
