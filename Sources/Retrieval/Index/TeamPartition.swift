import Store

/// One team's vectors, a block per collection, behind a reader-writer lock: searches share it,
/// changes take it alone.
///
/// A partition only ever holds its own team's vectors — ``KnowledgeIndex`` creates it from
/// that team's rows and routes only that team's changes to it — so a search cannot reach
/// another team's chunks, whatever it asks for.
final class TeamPartition: @unchecked Sendable {
    let dimensions: Int
    private let lock = ReadWriteLock()
    // Guarded by `lock`.
    private var blocks: [CollectionID: VectorBlock]

    init(dimensions: Int, collections: [CollectionID: VectorRows]) {
        self.dimensions = dimensions
        blocks = collections.mapValues(VectorBlock.init)
    }

    /// How many vectors the partition holds.
    var count: Int { lock.reading { blocks.values.reduce(0) { $0 + $1.count } } }

    /// The `limit` chunks most similar to `query` among `collections`, best first, at or above
    /// `minimum` cosine similarity.
    func nearest(to query: [Float], in collections: [CollectionID], limit: Int, minimum: Float) -> [(id: Int64, score: Float)] {
        guard query.count == dimensions, limit > 0 else { return [] }
        var top = TopScores(capacity: limit)
        query.withUnsafeBufferPointer { query in
            lock.reading {
                for collection in Set(collections) {
                    blocks[collection]?.scan(query.baseAddress!, minimum: minimum, into: &top)
                }
            }
        }
        return top.sorted()
    }

    /// Follows a committed change: removals first, then additions (a replaced document's new
    /// chunks have new ids). Applying the same change twice changes nothing more.
    func apply(_ change: KnowledgeChange) {
        guard !change.isEmpty else { return }
        lock.writing {
            if !change.removed.isEmpty {
                for block in blocks.values {
                    for id in change.removed { block.remove(id) }
                }
                blocks = blocks.filter { $0.value.count > 0 }
            }
            for vector in change.added {
                let block = blocks[vector.collectionID] ?? VectorBlock(dimensions: dimensions)
                blocks[vector.collectionID] = block
                block.add(vector.chunkID, vector: vector.embedding)
            }
        }
    }
}
