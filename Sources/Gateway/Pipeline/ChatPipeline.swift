import Foundation
import Logging
import Store
import Tenancy

/// The data plane, stage by stage — the only place that knows their order:
///
/// authorize → profile → retrieve → compose → generate → account
///
/// (authentication happened before: the pipeline starts from a ``Principal``).
public struct ChatPipeline: Sendable {
    let profiles: ProfileStage
    let retrieval: RetrievalStage
    let composer: PromptComposer
    let backend: any LanguageModelBackend
    let accountant: Accountant
    let logger: Logger
    let now: @Sendable () -> Date

    /// The authorize stage of the data plane: the key's team scope, if its role allows
    /// `action` (`.chat`, `.listModels`). Runs before the body is read, so an unauthorized
    /// caller's input is never parsed. A denial is recorded in `audit`.
    /// - Throws: ``GatewayError`` (403 for organization and platform keys and for roles
    ///   without the right).
    public func authorize(_ action: Action, principal: Principal, audit: RequestAudit) throws -> TenantScope {
        let scope = try Authorizer.dataScope(of: principal, for: action, audit: audit)
        audit.describe(action: action, resource: Resource.team(scope.team).description)
        return scope
    }

    /// Runs a streamed chat request for the scope's team: profile → compose → generate →
    /// account. The returned execution streams the answer; the request's audit record (and
    /// usage) is written when that stream ends.
    /// - Throws: ``GatewayError`` when the request is refused before generation starts (its
    ///   record is then written by whoever made `audit`, via ``Accountant/finish(_:)``).
    public func chat(_ request: ChatRequest, in scope: TenantScope, audit: RequestAudit) async throws -> ChatExecution {
        let (generation, sources) = try await prepare(request, in: scope, audit: audit)
        let (events, task) = generate(generation, audit: audit)
        return ChatExecution(
            id: Self.completionID(), created: Int(now().timeIntervalSince1970), model: generation.model,
            sources: sources, events: events, generation: GenerationHandle(task: task))
    }

    /// Runs a non-streamed chat request in the caller's task: profile → compose → generate,
    /// with the tokens recorded in `audit` (whose owner writes the record with
    /// ``Accountant/finish(_:)``, as for any request).
    /// - Throws: ``GatewayError``.
    public func answer(_ request: ChatRequest, in scope: TenantScope, audit: RequestAudit) async throws -> ChatAnswer {
        var request = request
        request.streaming = false
        let (generation, sources) = try await prepare(request, in: scope, audit: audit)
        let completion: ChatCompletion
        do {
            completion = try await backend.complete(generation)
        } catch {
            throw failed(error, request: generation, audit: audit)
        }
        audit.served(completion.usage)
        return ChatAnswer(
            id: Self.completionID(), created: Int(now().timeIntervalSince1970), model: generation.model, sources: sources,
            completion: completion)
    }

    /// The profile, retrieve and compose stages, and the `/query` team check.
    private func prepare(_ request: ChatRequest, in scope: TenantScope, audit: RequestAudit) async throws
        -> (GenerationRequest, [SourceReference])
    {
        // The record and the usage belong to the key whose scope runs the request.
        audit.authenticated(scope.principal)
        audit.query(request.queryText)
        let team = try await profiles.context(for: scope)
        if let claimed = request.claimedTeam, !team.isOwnTeam(claimed, team: scope.team) {
            audit.describe(action: .chat, resource: "team:\(claimed)")
            throw Authorizer.deny(.crossTenant, principal: scope.principal, resource: .platform, audit: audit)
        }
        let hits = try await retrieval.retrieve(request, profile: team.profile, scope: scope, audit: audit)
        let generation = try composer.compose(request, team: team, tenant: TenantKey(scope), date: now(), sources: hits)
        return (generation, hits.map(SourceReference.init))
    }

    /// The models the scope's team may use.
    public func models(in scope: TenantScope, created: Int) async throws -> [ModelCard] {
        let profile = try await profiles.context(for: scope).profile
        return composer.catalog.modelIDs.filter(profile.allows(model:)).map {
            ModelCard(id: $0, ownedBy: composer.catalog.ownedBy, created: created)
        }
    }

    /// The generate and account stages: forwards the backend's events and, however the
    /// stream ends, writes the request's one audit record with the tokens it took.
    private func generate(_ request: GenerationRequest, audit: RequestAudit)
        -> (AsyncThrowingStream<GenerationEvent, any Error>, Task<Void, Never>)
    {
        audit.finishesWithStream()
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: GenerationEvent.self)
        let backend = backend
        let accountant = accountant
        let task = Task {
            defer { accountant.finishStream(audit) }
            do {
                for try await event in backend.generate(request) {
                    if case let .finished(usage, _) = event { audit.served(usage) }
                    continuation.yield(event)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: failed(error, request: request, audit: audit))
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return (stream, task)
    }

    /// The client-facing error of a failed generation, logged by its code only (an
    /// upstream's message may quote the prompt).
    private func failed(_ error: any Error, request: GenerationRequest, audit: RequestAudit) -> GatewayError {
        let failure = GatewayError.from(error)
        if !(error is CancellationError) {
            logger.warning(
                "generation failed",
                metadata: [
                    "request.id": "\(audit.requestID)", "team.id": "\(request.tenant.teamID)", "error.code": "\(failure.code)",
                ])
        }
        return failure
    }

    /// `chatcmpl-` and 128 random bits in hex (two draws, not one system call per character).
    private static func completionID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return "chatcmpl-" + hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
