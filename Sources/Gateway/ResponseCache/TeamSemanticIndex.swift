/// One team's semantic cache: the conversation embeddings of its cached answers, grouped by
/// ``SemanticPartition``. The ``ResponseCache`` keeps one per team, reached by the team of the
/// request's key, so a search can only ever see that team's entries — the partition by team
/// is the structure itself, not a filter applied to shared results.
///
/// Entries are found by a linear scan of the request's partition: a team's cached answers
/// under one profile and sampling setting are few (the shared byte cap bounds them).
struct TeamSemanticIndex: Sendable {
    private var partitions: [SemanticPartition: [ResponseCacheKey: ConversationEmbedding]] = [:]

    /// Entries held.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Adds or replaces `key`'s embedding.
    mutating func insert(_ embedding: ConversationEmbedding, for key: ResponseCacheKey) {
        let previous = partitions[SemanticPartition(key), default: [:]].updateValue(embedding, forKey: key)
        if previous == nil { count += 1 }
    }

    /// Removes `key`'s embedding, if any.
    mutating func remove(_ key: ResponseCacheKey) {
        let partition = SemanticPartition(key)
        guard partitions[partition]?.removeValue(forKey: key) != nil else { return }
        count -= 1
        if partitions[partition]?.isEmpty == true { partitions[partition] = nil }
    }

    /// The keys in `partition` whose conversations are at least `threshold` similar to
    /// `embedding`, most similar first.
    func matches(_ embedding: ConversationEmbedding, in partition: SemanticPartition, threshold: Double)
        -> [(key: ResponseCacheKey, similarity: Double)]
    {
        guard let entries = partitions[partition] else { return [] }
        var found: [(key: ResponseCacheKey, similarity: Double)] = []
        for (key, stored) in entries {
            let similarity = embedding.similarity(to: stored)
            if similarity >= threshold { found.append((key, similarity)) }
        }
        return found.sorted { $0.similarity > $1.similarity }
    }
}
