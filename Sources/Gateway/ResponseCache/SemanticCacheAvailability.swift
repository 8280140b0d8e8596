/// Whether a team that turns the semantic cache on in its profile gets it on this server: it
/// needs the response cache (the entries it searches) and an embedding model (to compare
/// meanings). A profile may turn it on either way; `GET …/profile` says whether it is active.
public enum SemanticCacheAvailability: String, Sendable, Hashable {
    case available
    /// `atrium serve` runs without `--embedding-model`.
    case noEmbeddingModel = "no_embedding_model"
    /// `--response-cache-ttl 0` or `--response-cache-bytes 0`.
    case responseCacheOff = "response_cache_off"

    /// Why a team's semantic cache does nothing here; nil when it works.
    public var reason: String? {
        switch self {
        case .available: nil
        case .noEmbeddingModel: "the server runs without an embedding model (atrium serve --embedding-model)"
        case .responseCacheOff: "the server's response cache is off (--response-cache-ttl and --response-cache-bytes)"
        }
    }
}
