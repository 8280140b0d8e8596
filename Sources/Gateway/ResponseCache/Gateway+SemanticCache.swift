extension Gateway {
    /// Whether teams' semantic caches work on this gateway (a response cache and an embedding
    /// model are both needed).
    public var semanticCacheAvailability: SemanticCacheAvailability {
        guard responseCache.configuration.isEnabled else { return .responseCacheOff }
        guard knowledge.base != nil else { return .noEmbeddingModel }
        return .available
    }
}
