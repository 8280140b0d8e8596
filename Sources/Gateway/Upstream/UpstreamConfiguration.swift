import Foundation

/// Where an ``UpstreamBackend`` sends requests and how long it waits.
public struct UpstreamConfiguration: Sendable, Hashable {
    /// The server's base URL without `/v1` (`http://127.0.0.1:8000`).
    public let baseURL: String
    /// Sent as `Authorization: Bearer …` to the upstream when set (never logged).
    public let apiKey: String?
    /// Longest wait for a connection.
    public let connectTimeout: Duration
    /// Longest silence between two pieces of a streamed response (a non-streamed one is silent
    /// while it generates: only ``requestTimeout`` bounds it).
    public let readTimeout: Duration
    /// Longest a whole request may take.
    public let requestTimeout: Duration
    /// Connections kept open to the upstream from each event loop (each loop has its own
    /// pool, see `LoopLocalClients`): at least the expected concurrency per loop.
    public let maximumConnections: Int
    /// Whether requests carry the team's `cache_salt` (see ``CacheSalt``). On by default: vLLM
    /// keeps teams' prefix caches apart by it, and an upstream that rejects the field is
    /// detected and then sent requests without it.
    public let sendsCacheSalt: Bool

    /// Validates the URL: `http` or `https`, a host, no query, no credentials (the key goes in
    /// `apiKey`, never logged; a URL is logged); a trailing `/` or `/v1` is dropped.
    public init(
        url: String, apiKey: String? = nil, connectTimeout: Duration = .seconds(5), readTimeout: Duration = .seconds(120),
        requestTimeout: Duration = .seconds(600), maximumConnections: Int = 64, sendsCacheSalt: Bool = true
    ) throws(BackendError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
            components.query == nil, components.fragment == nil
        else { throw .invalidRequest("--upstream must be an http(s) URL such as http://127.0.0.1:8000, not '\(url)'") }
        guard components.user == nil, components.password == nil else {
            throw .invalidRequest(
                "--upstream: the URL must not carry a user or password (it would be logged); give the upstream's key in ATRIUM_UPSTREAM_KEY")
        }
        guard readTimeout > .zero, requestTimeout > .zero else { throw .invalidRequest("the upstream timeouts must be positive") }
        guard maximumConnections >= 1 else { throw .invalidRequest("the upstream needs at least one connection") }
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/v1") { base.removeLast(3) }
        baseURL = base
        self.apiKey = apiKey
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.requestTimeout = requestTimeout
        self.maximumConnections = maximumConnections
        self.sendsCacheSalt = sendsCacheSalt
    }

    var chatCompletionsURL: String { baseURL + "/v1/chat/completions" }
    var modelsURL: String { baseURL + "/v1/models" }
}
