import Foundation
import Logging
import Store
import Tenancy

/// The data plane, stage by stage — the only place that knows their order:
///
/// authorize → limit → profile → guardrails (input) → retrieve → guardrails (sources) → compose → cache →
/// (limit: tokens) → budgets → generate → guardrails (answer) → account
///
/// (authentication happened before: the pipeline starts from a ``Principal``). A
/// deterministic request the team asked before — or, with the team's semantic cache on, one
/// of the same meaning — is answered by the cache stage and never reaches the backend (nor
/// spends tokens of the team's limits).
public struct ChatPipeline: Sendable {
    let limits: LimitStage
    let budgets: BudgetStage
    let profiles: ProfileStage
    let retrieval: RetrievalStage
    let guardrails: GuardrailStage
    let composer: PromptComposer
    let responses: ResponseCacheStage
    let backend: any LanguageModelBackend
    let accountant: Accountant
    let logger: Logger
    let now: @Sendable () -> Date
    /// The answers under way, streamed or not (a stop's grace period ends them with a clear
    /// error).
    public let answers = LiveAnswers()

    /// Runs a streamed chat request for the scope's team: profile → compose → generate →
    /// account. The returned execution streams the answer; the request's audit record (and
    /// usage) is written when that stream ends.
    /// - Throws: ``GatewayError`` when the request is refused before generation starts (its
    ///   record is then written by whoever made `audit`, via ``Accountant/finish(_:)``).
    public func chat(_ request: ChatRequest, in scope: TenantScope, audit: RequestAudit) async throws -> ChatExecution {
        let (generation, admission, budget, lookup, sources, answerGuard) = try await prepare(request, in: scope, audit: audit)
        let cached = lookup?.hit
        let (events, task) =
            cached.map { replay($0, admission: admission, audit: audit, team: generation.tenant.teamID, guarding: answerGuard) }
            ?? generate(
                generation, admission: admission, budget: budget, storingIn: lookup, audit: audit, guarding: answerGuard)
        return ChatExecution(
            id: Self.completionID(), created: Int(now().timeIntervalSince1970), model: generation.model,
            sources: sources, cacheHit: lookup?.hitKind, events: events, guardsAnswer: answerGuard != nil,
            generation: GenerationHandle(task: task))
    }

    /// Runs a non-streamed chat request: profile → compose → generate, with the tokens
    /// recorded in `audit` (whose owner writes the record with ``Accountant/finish(_:)``, as
    /// for any request).
    /// - Throws: ``GatewayError`` (``LiveAnswers/shuttingDown`` when a stop cut it off).
    public func answer(_ request: ChatRequest, in scope: TenantScope, audit: RequestAudit) async throws -> ChatAnswer {
        var request = request
        request.streaming = false
        let (generation, admission, budget, lookup, sources, answerGuard) = try await prepare(request, in: scope, audit: audit)
        if let cached = lookup?.hit {
            await admission.finish(nil)  // a hit reserved no tokens and spends none
            audit.served(cached.usage, cacheHit: true)
            return ChatAnswer(
                id: Self.completionID(), created: Int(now().timeIntervalSince1970), model: generation.model, sources: sources,
                cacheHit: lookup?.hitKind,
                completion: await guarded(cached, answerGuard, team: generation.tenant.teamID, audit: audit))
        }
        let completion: ChatCompletion
        // In a task of its own, so that a stop at the end of its grace period can end this
        // generation alone and answer 503 rather than cut the connection.
        let backend = backend
        let work = Task(executorPreference: TaskPlacement.preferredExecutor) { try await backend.complete(generation) }
        let live = answers.add { _ in work.cancel() }
        do {
            completion = try await withTaskCancellationHandler { try await work.value } onCancel: { work.cancel() }
            answers.remove(live)
        } catch {
            let cutAtShutdown = answers.remove(live)
            if case BackendError.withdrawn = error {
                // The client went away while its request waited for a slot: the engine never
                // saw it, so it spends nothing (it still counts as a request).
                audit.flag("request.withdrawn")
                await admission.finish(.zero)
                budget?.finish(nil)
                throw failed(error, request: generation, audit: audit)
            }
            if error is CancellationError || Task.isCancelled || cutAtShutdown {
                // The client went away (or the server is stopping) once the request was
                // admitted: the engine may have computed its prompt, so it is charged the
                // prompt's estimate, never free.
                let partial = Usage(promptTokens: TokenEstimate.prompt(of: generation.messages), completionTokens: 0)
                audit.flag("request.cancelled")
                audit.served(partial)
                await admission.finish(partial, cutShort: true)
                budget?.finish(partial)
                if cutAtShutdown { throw LiveAnswers.shuttingDown }
                throw failed(CancellationError(), request: generation, audit: audit)
            }
            await admission.finish(nil)
            budget?.finish(nil)
            throw failed(error, request: generation, audit: audit)
        }
        await admission.finish(completion.usage)
        budget?.finish(completion.usage)
        audit.served(completion.usage)
        if let lookup { responses.cache.store(completion, for: lookup) }
        return ChatAnswer(
            id: Self.completionID(), created: Int(now().timeIntervalSince1970), model: generation.model, sources: sources,
            cacheHit: nil, completion: await guarded(completion, answerGuard, team: generation.tenant.teamID, audit: audit))
    }

    /// A whole answer through the team's answer guard (the cache keeps what the model said,
    /// placeholders and all: the guard runs again, with this request's values, on a replay).
    private func guarded(_ completion: ChatCompletion, _ answerGuard: AnswerGuard?, team: TeamID, audit: RequestAudit)
        async -> ChatCompletion
    {
        guard var answerGuard else { return completion }
        let text = answerGuard.accept(completion.text) + answerGuard.finish()
        await guardrails.answered(answerGuard, team: team, audit: audit)
        return ChatCompletion(
            text: text, usage: completion.usage, finishReason: answerGuard.stopped ? .contentFilter : completion.finishReason)
    }

    /// The `/query` team check, then the limit, profile, retrieve, compose, cache and budget
    /// stages: the request for the backend, its admission (given back if anything after it
    /// refuses the request), its budget hold (nil for a cache hit, which reserves nothing), for
    /// a deterministic request its cache lookup (with the answer on a hit; a hit reserves no
    /// tokens), the team's chunks it draws on, and the answer's guard (nil when the team's
    /// answers pass untouched).
    private func prepare(_ request: ChatRequest, in scope: TenantScope, audit: RequestAudit) async throws
        -> (GenerationRequest, Admission, BudgetHold?, ResponseCache.Lookup?, [SourceReference], AnswerGuard?)
    {
        // The record and the usage belong to the key whose scope runs the request.
        audit.authenticated(scope.principal)
        let team = try await profiles.context(for: scope)
        // The team claim first: a spoofed team is a cross-team attempt even when the key is
        // over its limits (which would otherwise answer 429 and hide the attempt).
        if let claimed = request.claimedTeam, !team.isOwnTeam(claimed, team: scope.team) {
            // The record keeps the text where the team's guardrails would leave it as sent; text
            // they would redact is neither screened for a refused request nor kept unscreened.
            if !team.profile.guardrails.screensEntities { audit.query(request.queryText) }
            audit.describe(action: .chat, resource: "team:\(claimed)")
            throw Authorizer.deny(.crossTenant, principal: scope.principal, resource: .platform, audit: audit)
        }
        // The limits before the guardrails: screening a large prompt costs CPU, which a key
        // over its request rate must not be able to spend.
        let admission = try await limits.admit(scope, audit: audit)
        do {
            // The guardrails next: from here on (the record's query included) only the
            // redacted text exists for this request.
            let input = await guardrails.screenInput(
                request, settings: team.profile.guardrails, scope: scope, audit: audit)
            let request = input.request
            audit.query(request.queryText)
            if let refusal = input.refusal {
                // Counted as a request (not given back as a request that never ran): a key
                // sending refused prompts spends its rate as any other.
                await admission.finish(nil)
                throw refusal
            }
            let knowledgeVersion = try await responses.knowledgeVersion(for: team.profile, in: scope)
            var hits = try await retrieval.retrieve(request, profile: team.profile, scope: scope, audit: audit)
            if input.session != nil {
                hits = try await guardrails.screenSources(hits, session: input.session, scope: scope, audit: audit)
                if !hits.isEmpty { audit.retrieved(hits.map(\.reference)) }
            }
            var generation = try composer.compose(
                request, team: team, tenant: TenantKey(scope), date: now(), sources: hits)
            generation.weight = admission.weight  // the team's share in the backend's fair scheduling
            accountant.metrics.teamWeight(admission.weight, team: scope.teamID)
            let lookup = await responses.lookup(generation, in: scope, team: team, knowledgeVersion: knowledgeVersion)
            var budget: BudgetHold?
            if lookup?.hit == nil {
                try await limits.reserve(generation, in: admission, audit: audit)
                budget = try await budgets.reserve(generation, in: scope, audit: audit)
            }
            return (
                generation, admission, budget, lookup, hits.map(SourceReference.init),
                guardrails.answerGuard(input.session, format: generation.sampling.format)
            )
        } catch {
            await admission.cancel()
            throw error
        }
    }

    /// The models the scope's team may use.
    public func models(in scope: TenantScope, created: Int) async throws -> [ModelCard] {
        let profile = try await profiles.context(for: scope).profile
        return composer.catalog.modelIDs.filter(profile.allows(model:)).map {
            ModelCard(id: $0, ownedBy: composer.catalog.ownedBy, created: created)
        }
    }

    /// The generate and account stages: forwards the backend's events and, however the
    /// stream ends (completed, failed, or cancelled by a client that went away), frees the
    /// request's limits slot and writes its one audit record with the tokens it took — before
    /// the stream's end reaches the client, so a server that stops once its responses are
    /// done has every record in hand. A complete answer is kept in the response cache when
    /// `lookup` asks for it.
    ///
    /// With an answer guard, text reaches the client through it (held back while it could
    /// still be part of an entity) and a blocked entity ends the answer with `content_filter`;
    /// without one, every event goes on exactly as the backend sent it.
    private func generate(
        _ request: GenerationRequest, admission: Admission, budget: BudgetHold?, storingIn lookup: ResponseCache.Lookup?,
        audit: RequestAudit, guarding answerGuard: AnswerGuard?
    )
        -> (GenerationEvents, Task<Void, Never>)
    {
        accountant.beginStream(audit)
        let events = GenerationEvents()
        let backend = backend
        let accountant = accountant
        let cache = responses.cache
        let guardrails = guardrails
        let answers = answers
        let live = answers.add { events.abandon(throwing: $0) }
        let task = Task(executorPreference: TaskPlacement.preferredExecutor) {
            defer { answers.remove(live) }
            var answerGuard = answerGuard
            var firstText = true
            var served: Usage?
            var wasCutShort = false
            /// Pieces of text the backend produced: what a stream cut short is charged for.
            var produced = 0
            var text = ""
            var settled = false
            /// Once, however the stream ends: the limits slot back, then the record — before
            /// the client sees the end, so its next request finds the slot free.
            func settle() async {
                guard !settled else { return }
                settled = true
                await admission.finish(served, cutShort: wasCutShort)
                budget?.finish(served)
                accountant.finishStream(audit)
            }
            /// A stream that ended before the backend's usage — the client went away (with or
            /// without text yet: the engine may have computed the prompt), or the backend failed
            /// after some text — is flagged and charged for the prompt (estimated) and the pieces
            /// it produced (about a token each: engines stream one per token) — never free. One
            /// withdrawn while it waited for a slot never reached the engine: it spends nothing.
            func cutShort(cancelled: Bool, withdrawn: Bool = false) {
                guard served == nil else { return }
                if withdrawn {
                    audit.flag("stream.withdrawn")
                    served = .zero
                    return
                }
                guard produced > 0 || cancelled else { return }
                audit.flag(cancelled ? "stream.cancelled" : "stream.failed")
                wasCutShort = true
                let partial = Usage(
                    promptTokens: TokenEstimate.prompt(of: request.messages),
                    completionTokens: min(produced, request.sampling.maxTokens))
                audit.served(partial)
                served = partial
            }
            /// The guarded answer's finish, handled once the backend is done (its guard reports
            /// to the audit, which awaits).
            var guardedFinish: (Usage, FinishReason)?
            /// The answer's finish (its reason and usage), passed on once the backend is done,
            /// the limits settled (which may take a round trip to a shared store) and the
            /// record committed.
            var finish: GenerationEvent?
            func forward(_ event: GenerationEvent) {
                switch event {
                case let .delta(piece):
                    if !piece.isEmpty { produced += 1 }
                    if lookup != nil { text += piece }
                    let shown = answerGuard?.accept(piece) ?? piece
                    if firstText && !shown.isEmpty {
                        firstText = false
                        accountant.metrics.timeToFirstToken(
                            audit.startedAt.duration(to: .now), team: request.tenant.teamID)
                    }
                    if answerGuard != nil {
                        if !shown.isEmpty { events.yield(.delta(shown)) }
                        return
                    }
                case let .finished(usage, reason):
                    audit.served(usage)
                    served = usage
                    if let lookup {
                        cache.store(ChatCompletion(text: text, usage: usage, finishReason: reason), for: lookup)
                    }
                    if answerGuard != nil {
                        guardedFinish = (usage, reason)
                        return
                    }
                    finish = event
                    return
                }
                events.yield(event)
            }
            do {
                // In this task, without a stream hand-over per token where the backend allows.
                try await backend.relay(request, into: forward)
                if served == nil { cutShort(cancelled: Task.isCancelled) }
                if case let (usage, reason)? = guardedFinish, var guarded = answerGuard {
                    let rest = guarded.finish()
                    if !rest.isEmpty { events.yield(.delta(rest)) }
                    await guardrails.answered(guarded, team: request.tenant.teamID, audit: audit)
                    finish = .finished(usage, guarded.stopped ? .contentFilter : reason)
                }
                await settle()
                // The end (the finish with its usage, then `[DONE]`) reaches the client once
                // its record is committed (see Accountant); a record that would not commit
                // ends the stream with an error instead.
                guard await accountant.committed() else {
                    events.finish(throwing: Accountant.unrecordable)
                    return
                }
                if let finish { events.yield(finish) }
                events.finish()
            } catch {
                let failure = failed(error, request: request, audit: audit)
                if case BackendError.withdrawn = error {
                    cutShort(cancelled: true, withdrawn: true)
                } else {
                    cutShort(cancelled: error is CancellationError || Task.isCancelled)
                }
                await settle()
                if let finish { events.yield(finish) }
                events.finish(throwing: failure)
            }
        }
        events.onTermination { task.cancel() }
        return (events, task)
    }

    /// The account stage of a cached answer: its text as one delta, then its finish, as a
    /// stream like the backend's; the record is written before the stream ends.
    private func replay(
        _ completion: ChatCompletion, admission: Admission, audit: RequestAudit, team: TeamID,
        guarding answerGuard: AnswerGuard?
    )
        -> (GenerationEvents, Task<Void, Never>)
    {
        accountant.beginStream(audit)
        audit.served(completion.usage, cacheHit: true)
        let events = GenerationEvents()
        let accountant = accountant
        let answers = answers
        let live = answers.add { events.abandon(throwing: $0) }
        let task = Task(executorPreference: TaskPlacement.preferredExecutor) {
            defer { answers.remove(live) }
            let completion = await guarded(completion, answerGuard, team: team, audit: audit)
            events.yield(.delta(completion.text))
            await admission.finish(nil)  // a hit reserved no tokens and spends none
            accountant.finishStream(audit)
            // The finish and `[DONE]` once the record is committed, as for a generated answer.
            guard await accountant.committed() else {
                events.finish(throwing: Accountant.unrecordable)
                return
            }
            events.yield(.finished(completion.usage, completion.finishReason))
            events.finish()
        }
        events.onTermination { task.cancel() }
        return (events, task)
    }

    /// The client-facing error of a failed generation, logged by its code only (an
    /// upstream's message may quote the prompt).
    private func failed(_ error: any Error, request: GenerationRequest, audit: RequestAudit) -> GatewayError {
        let failure = GatewayError.from(error)
        if !(error is CancellationError), error as? BackendError != .withdrawn {
            // A request the backend refused as invalid is the client's, not the server's, problem.
            logger.log(
                level: failure.kind == .invalidRequest ? .info : .warning,
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
