import Foundation
import Logging
import Retrieval
import Store
import Tenancy

/// Everything behind the HTTP routes: the authenticate stage, the data-plane pipeline, the
/// administration service and the accountant that writes one audit record per request.
///
/// ```swift
/// let writer = AccountingWriter(store: store, logger: logger)
/// let gateway = Gateway(store: store, backend: backend, catalog: ModelCatalog(chatModel: "mock"), writer: writer)
/// let audit = RequestAudit(requestID: id, action: "chat", resource: "POST /v1/chat/completions")
/// defer { gateway.accountant.finish(audit) }
/// let principal = try await gateway.authenticator.authenticate(authorization: header, audit: audit)
/// let scope = try Authorizer.dataScope(of: principal, for: .chat, audit: audit)
/// let execution = try await gateway.pipeline.chat(request, in: scope, audit: audit)
/// ```
public struct Gateway: Sendable {
    public let store: AtriumStore
    public let catalog: ModelCatalog
    /// Where text comes from (its upstreams' state answers `/readyz`).
    public let backend: any LanguageModelBackend
    public let authenticator: RequestAuthenticator
    public let pipeline: ChatPipeline
    /// The team and key limits: charged by ``pipeline`` for generations, and around every
    /// other data-plane request by ``LimitStage/metered(_:audit:_:)``.
    public let limits: LimitStage
    /// Budgets per team, user and key: reserved and settled by ``pipeline`` for generations.
    public let budgets: BudgetStage
    /// Collections, documents and search of the key's team (503 without an embedding model).
    public let knowledge: KnowledgeService
    /// `POST /v1/embeddings`.
    public let embeddings: EmbeddingService
    public let administration: AdministrationService
    public let accountant: Accountant
    /// Where the request path records its metrics (the global `MetricsSystem` by default).
    public let metrics: AtriumMetrics
    /// Blocks addresses that present too many failed keys and raises security alerts.
    public let intrusion: IntrusionDetector
    /// Answers to the teams' deterministic requests; call ``ResponseCache/invalidate(team:)``
    /// when a team's documents change.
    public let responseCache: ResponseCache
    /// Unix seconds of the gateway's start (`created` of the served models).
    public let startedAt: Int

    /// - Parameter knowledge: the teams' knowledge base, with the embedding model it uses;
    ///   without one, knowledge routes and `/v1/embeddings` answer 503 and so does a chat whose
    ///   profile turns retrieval on.
    public init(
        store: AtriumStore, backend: any LanguageModelBackend, catalog: ModelCatalog, writer: AccountingWriter,
        knowledge: KnowledgeBase? = nil, intrusionPolicy: IntrusionPolicy = .standard, logger: Logger = Logger(label: "atrium.gateway"),
        metrics: AtriumMetrics = AtriumMetrics(), now: @escaping @Sendable () -> Date = { Date() },
        responseCache: ResponseCache = ResponseCache(configuration: .disabled)
    ) {
        self.store = store
        self.metrics = metrics
        self.backend = backend
        let catalog = catalog.serving(embeddingModel: knowledge?.embeddings.modelID ?? catalog.embeddingModel)
        self.catalog = catalog
        let names = DirectoryNames(store: store)
        let cache = DirectoryCache(sharedVersion: { try await store.directoryVersion() })
        let profiles = ProfileStage(store: store, names: names, cache: cache)
        // A change to a team's documents drops its cached answers (retrieval could differ).
        let knowledgeService = KnowledgeService(
            base: knowledge, profiles: profiles, documentsChanged: { responseCache.invalidate(team: $0) })
        self.knowledge = knowledgeService
        accountant = Accountant(writer: writer, metrics: metrics)
        authenticator = RequestAuthenticator(store: store, writer: writer, cache: cache, now: now)
        self.responseCache = responseCache
        let counters: any LimitCounters =
            store.sharedLimits.map { SharedLimiter(counters: $0, logger: logger) as any LimitCounters }
            ?? Limiter(ledger: store.usage)
        let limits = LimitStage(store: store, cache: cache, counters: counters, now: now)
        self.limits = limits
        let budgets = BudgetStage(store: store, cache: cache, writer: writer, now: now)
        self.budgets = budgets
        let intrusion = IntrusionDetector(policy: intrusionPolicy, store: store, logger: logger, now: now)
        self.intrusion = intrusion
        let guardrails = GuardrailStage(
            injection: InjectionScreen(embeddings: knowledge?.embeddings), metrics: metrics, intrusion: intrusion)
        pipeline = ChatPipeline(
            limits: limits, budgets: budgets,
            profiles: profiles, retrieval: RetrievalStage(knowledge: knowledgeService), guardrails: guardrails,
            composer: PromptComposer(catalog: catalog),
            responses: ResponseCacheStage(cache: responseCache, embeddings: knowledge?.embeddings, knowledge: store.knowledge),
            backend: backend, accountant: accountant, logger: logger, now: now)
        embeddings = EmbeddingService(knowledge: knowledgeService, catalog: catalog, profiles: profiles)
        administration = AdministrationService(store: store, cache: cache, now: now)
        startedAt = Int(now().timeIntervalSince1970)
    }
}
