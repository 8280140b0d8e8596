extension ResponseCache {
    /// The semantic layer, after `miss` found no exact answer: the cached answer of the same
    /// team, in the same ``SemanticPartition`` (model, sampling, profile and knowledge
    /// versions, system messages), whose conversation is at least `threshold` similar to
    /// `embedding` — the most similar one that is still fresh. Only the team of `miss`'s key is
    /// searched: its own ``TeamSemanticIndex``.
    ///
    /// The returned lookup carries `embedding`, so a miss's answer is stored with it.
    func lookupSimilar(_ embedding: ConversationEmbedding, after miss: Lookup, threshold: Double) -> Lookup {
        let partition = SemanticPartition(miss.key)
        let team = miss.key.tenant
        let instant = now()
        return state.withLock { state in
            let missed = Lookup(key: miss.key, hit: nil, hitKind: nil, generation: miss.generation, embedding: embedding)
            // Invalidated while the conversation was being embedded: nothing older may answer.
            guard state.generation(of: team) == miss.generation, let index = state.semantic[team] else { return missed }
            var expired: [ResponseCacheKey] = []
            defer { for key in expired { state.remove(key) } }
            for match in index.matches(embedding, in: partition, threshold: threshold) {
                guard let entry = state.peek(match.key) else { continue }
                guard entry.expires > instant else {
                    expired.append(match.key)
                    continue
                }
                _ = state.entry(for: match.key)  // now the most recently used
                return Lookup(
                    key: miss.key, hit: entry.completion, hitKind: .semantic, generation: miss.generation,
                    embedding: embedding)
            }
            return missed
        }
    }

    /// The semantic entries `team` holds (each is also one of ``usage``'s entries).
    func semanticEntryCount(of team: TenantKey) -> Int {
        state.withLock { $0.semantic[team]?.count ?? 0 }
    }
}
