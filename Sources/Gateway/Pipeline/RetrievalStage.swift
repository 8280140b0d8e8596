import Retrieval
import Tenancy

/// The retrieve stage: the team's profile decides whether a chat searches the team's
/// knowledge, in which collections (none named: all), for how many chunks and at most how
/// many of one document. The query is the last user message.
struct RetrievalStage: Sendable {
    /// The end of a long message is searched (a pasted text usually ends with its question).
    static let maximumQueryCharacters = 2000

    let knowledge: KnowledgeService

    /// The chunks to ground the answer in; none when the profile has retrieval off.
    /// - Throws: ``GatewayError`` 503 when retrieval is on but the server has no embedding model.
    func retrieve(_ request: ChatRequest, profile: PromptProfile, scope: TenantScope, audit: RequestAudit) async throws
        -> [SearchHit]
    {
        let settings = profile.retrieval
        guard settings.enabled, let message = request.queryText else { return [] }
        let query = Self.query(from: message)
        // Nothing searchable (white space, or one character of thousands of marks): no sources.
        guard !query.allSatisfy(\.isWhitespace) else { return [] }
        let base = try knowledge.knowledge()
        let search = try SearchRequest(
            query: query, topK: settings.topK, mode: .hybrid,
            collections: settings.collections, requiresCollections: false,
            chunksPerDocument: settings.chunksPerDocument < settings.topK ? settings.chunksPerDocument : nil)
        let started = ContinuousClock.now
        let hits = try await base.search(search, in: scope)
        KnowledgeService.recordSearch(started, team: scope.teamID, kind: "chat")
        audit.retrieved(hits.map(\.reference))
        return hits
    }

    /// The end of `message` that is searched: its last ``maximumQueryCharacters`` characters
    /// once trailing whitespace is gone, and within the search's byte limit. A message that
    /// ended in 2,500 spaces was searched for nothing and answered 400 about a `query` the
    /// client never sent, as were 2,000 characters of combining marks (attack round 7).
    static func query(from message: String) -> String {
        var end = message.endIndex
        while end > message.startIndex, message[message.index(before: end)].isWhitespace {
            end = message.index(before: end)
        }
        var query = message[..<end].suffix(maximumQueryCharacters)
        while query.utf8.count > SearchRequest.maximumQueryLength { query = query.dropFirst(max(1, query.count / 8)) }
        return String(query)
    }
}

extension SourceReference {
    init(_ hit: SearchHit) {
        self.init(
            documentID: hit.chunk.documentID.rawValue, documentName: hit.chunk.documentName, chunkIndex: hit.chunk.index,
            score: hit.score,
            section: hit.chunk.headingPath.isEmpty ? nil : hit.chunk.headingPath.joined(separator: " › "))
    }
}
