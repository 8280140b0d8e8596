import Metrics
import Tenancy

/// The cache stage: looks a deterministic request up in the team's part of the
/// ``ResponseCache`` and counts the outcome per team
/// (`atrium_response_cache_hits_total`, `atrium_response_cache_misses_total`). Requests that
/// sample without a seed are never cached: they are meant to differ.
struct ResponseCacheStage: Sendable {
    let cache: ResponseCache

    /// The lookup of a deterministic request, or nil (not deterministic, or the cache is off).
    func lookup(_ request: GenerationRequest, in scope: TenantScope, team: TeamContext) -> ResponseCache.Lookup? {
        guard cache.configuration.isEnabled, ResponseCacheKey.isDeterministic(request.sampling) else { return nil }
        let key = ResponseCacheKey(
            scope: scope, request: request, profileVersion: team.profile.version, knowledgeVersion: team.knowledgeVersion)
        guard let lookup = cache.lookup(key) else { return nil }
        let label = lookup.hit == nil ? "atrium_response_cache_misses_total" : "atrium_response_cache_hits_total"
        Counter(label: label, dimensions: [("team", scope.teamID.rawValue)]).increment()
        return lookup
    }
}
