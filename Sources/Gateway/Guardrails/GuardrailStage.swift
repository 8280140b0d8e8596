import Inference
import Retrieval
import Store
import Tenancy

/// The guardrails stage, per the team's profile (``GuardrailSettings``):
///
/// - **input**: the client's messages are scanned; redacted values become placeholders
///   before anything else sees them (retrieval, the cache, the model, the audit record); a
///   blocked type or an injection the team blocks refuses the request (400 naming the type,
///   never the value);
/// - **sources**: retrieved chunks — their text, document name and headings — are redacted the
///   same way; a chunk with a blocked type, or one that reads as an injection under
///   `drop_chunk`, is left out;
/// - **answer**: ``AnswerGuard`` while it streams.
///
/// A team whose guardrails are off passes through untouched: no session, no scan, and its
/// answer stream is the backend's own. Every action is counted
/// (`atrium_guardrail_hits_total{team,kind,action,stage}`); blocks and injections raise alerts.
struct GuardrailStage: Sendable {
    let injection: InjectionScreen
    let metrics: AtriumMetrics
    let intrusion: IntrusionDetector

    /// The input after the guardrails: the request to go on with (its messages redacted),
    /// the request's session (nil: guardrails off), and the refusal to throw once the
    /// request's other checks are done.
    struct Input {
        let request: ChatRequest
        let session: GuardrailSession?
        let refusal: GatewayError?
    }

    func screenInput(_ request: ChatRequest, settings: GuardrailSettings, scope: TenantScope, audit: RequestAudit)
        async -> Input
    {
        guard settings.screensEntities || settings.restore || settings.injection.input != .off
            || settings.injection.sources != .off
        else { return Input(request: request, session: nil, refusal: nil) }
        let session = GuardrailSession(settings: settings)
        var screened = request
        var refusal: GatewayError?
        if settings.screensEntities {
            var messages: [ChatTurn] = []
            messages.reserveCapacity(request.messages.count)
            for message in request.messages {
                do {
                    let result = try session.screen(message.content, from: .client)
                    count(result.hits, session: session, team: scope.teamID, stage: "input")
                    if refusal == nil, let blocked = result.blocked {
                        let what = session.describe(blocked.kind).display
                        refusal = GatewayError(
                            .invalidRequest, "The request contains \(what), which this team's guardrails block",
                            code: DenialReason.guardrailBlocked.rawValue, param: "messages")
                        await intrusion.guardrailAlert(
                            .guardrailBlock, audit: audit,
                            detail: "input blocked: \(session.describe(blocked.kind).metric)")
                    }
                    messages.append(ChatTurn(role: message.role, content: result.text))
                } catch {
                    refusal = refusal ?? Self.budgetRefusal
                    messages.append(ChatTurn(role: message.role, content: ""))
                }
            }
            screened.messages = messages
        }
        if refusal == nil, settings.injection.input != .off {
            // Every message the client sent, whatever its role: a `system`, `developer` or
            // `assistant` turn comes from the client as much as a `user` one does.
            let verdicts = await injection.screen(screened.messages.map(\.content), for: scope)
            if verdicts.contains(true) {
                let action = settings.injection.input
                metrics.guardrailHit(team: scope.teamID, kind: "injection", action: action.rawValue, stage: "input")
                audit.flag("prompt_injection:input")
                await intrusion.guardrailAlert(
                    .promptInjection, audit: audit, detail: "prompt injection in the input (\(action.rawValue))")
                if action == .block {
                    refusal = GatewayError(
                        .invalidRequest, "The request reads as a prompt injection, which this team's guardrails block",
                        code: DenialReason.promptInjection.rawValue, param: "messages")
                }
            }
        }
        if let refusal {
            audit.decided(.deny(refusal.code == DenialReason.promptInjection.rawValue ? .promptInjection : .guardrailBlocked))
        }
        return Input(request: screened, session: session, refusal: refusal)
    }

    static let budgetRefusal = GatewayError(
        .invalidRequest, "The team's guardrail patterns took too long on this request",
        code: DenialReason.guardrailBlocked.rawValue, param: "messages")

    /// The chunks to put in the prompt: redacted, without those the team's guardrails leave out.
    /// - Throws: ``GatewayError`` 400 when the team blocks requests whose sources read as injections.
    func screenSources(_ hits: [SearchHit], session: GuardrailSession?, scope: TenantScope, audit: RequestAudit)
        async throws -> [SearchHit]
    {
        guard let session, !hits.isEmpty else { return hits }
        let settings = session.settings
        var kept = hits
        if settings.injection.sources != .off {
            let verdicts = await injection.screen(hits.map(\.chunk.text), for: scope)
            let flagged = verdicts.filter { $0 }.count
            if flagged > 0 {
                let action = settings.injection.sources
                metrics.guardrailHit(
                    team: scope.teamID, kind: "injection", action: action.rawValue, stage: "sources", count: flagged)
                audit.flag("prompt_injection:sources")
                let references = zip(hits, verdicts).filter { $0.1 }.map { $0.0.reference }.joined(separator: ", ")
                await intrusion.guardrailAlert(
                    .promptInjection, audit: audit,
                    detail: "prompt injection in retrieved \(references) (\(action.rawValue))")
                switch action {
                case .block:
                    audit.decided(.deny(.promptInjection))
                    throw GatewayError(
                        .invalidRequest, "The team's documents retrieved for this request read as a prompt injection",
                        code: DenialReason.promptInjection.rawValue)
                case .dropChunk:
                    kept = zip(hits, verdicts).filter { !$0.1 }.map { $0.0 }
                default:
                    break
                }
            }
        }
        guard settings.screensEntities else { return kept }
        var screened: [SearchHit] = []
        for hit in kept {
            // The document's name and headings reach the prompt (``SourceBlock``) and the
            // response's `sources` as the text does, so they are screened alike: a heading
            // "Deploy key AKIA…" or a document named after an address got through unscreened.
            let chunk = hit.chunk
            guard let text = try? session.screen(chunk.text, from: .retrieved),
                let name = try? session.screen(chunk.documentName, from: .retrieved),
                let headings = try? chunk.headingPath.map({ try session.screen($0, from: .retrieved) })
            else { continue }  // over budget: left out
            let results = [text, name] + headings
            let found = results.flatMap(\.hits)
            count(found, session: session, team: scope.teamID, stage: "sources")
            guard !results.contains(where: { $0.blocked != nil }) else { continue }  // never reaches the prompt
            guard !found.isEmpty else {
                screened.append(hit)
                continue
            }
            screened.append(
                SearchHit(
                    chunk: StoredChunk(
                        id: chunk.id, documentID: chunk.documentID, documentName: name.text,
                        collectionName: chunk.collectionName, index: chunk.index, headingPath: headings.map(\.text),
                        text: text.text),
                    score: hit.score))
        }
        return screened
    }

    /// The answer's guard, or nil when the team's answers pass untouched. In JSON mode a
    /// restored value is written as the inside of the JSON string its placeholder sits in.
    func answerGuard(_ session: GuardrailSession?, format: OutputFormat = .text) -> AnswerGuard? {
        guard let session, session.settings.screensAnswers else { return nil }
        return AnswerGuard(session: session, restoresInJSON: format == .jsonObject)
    }

    /// Counts the answer's hits and raises the alert of a block, once the answer ended.
    func answered(_ guarded: AnswerGuard, team: TeamID, audit: RequestAudit) async {
        count(guarded.hits, session: guarded.session, team: team, stage: "answer")
        if let blocked = guarded.blocked {
            await intrusion.guardrailAlert(
                .guardrailBlock, audit: audit, detail: "answer stopped: \(guarded.session.describe(blocked.kind).metric)")
        }
    }

    private func count(_ hits: [GuardrailHit], session: GuardrailSession, team: TeamID, stage: String) {
        var counts: [String: Int] = [:]
        for hit in hits { counts[session.describe(hit.kind).metric + "\u{0}" + hit.action.rawValue, default: 0] += 1 }
        for (key, count) in counts {
            let parts = key.split(separator: "\u{0}").map(String.init)
            metrics.guardrailHit(team: team, kind: parts[0], action: parts[1], stage: stage, count: count)
        }
    }
}
