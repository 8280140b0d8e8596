/// How the response cache found an answer: the very same request (`exact`), or one whose
/// conversation means the same, by the team's semantic cache (`semantic`). The raw value is
/// the `kind` label of `atrium_response_cache_hits_total` and the `x-atrium-cache` header.
public enum ResponseCacheHit: String, Sendable, Hashable, CaseIterable {
    case exact
    case semantic
}
