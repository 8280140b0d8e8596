import Foundation
import Gateway
import Hummingbird
import Tenancy

/// A team's prompt profile (`GET|PUT /v1/admin/teams/{team}/profile`): everything it holds —
/// the system prompt (with a preview of it rendered), sampling defaults and the answer-length
/// ceiling, allowed models, retrieval, the semantic cache and guardrails (as the API's JSON,
/// validated by the same types). A field the form did not carry keeps its saved value; an
/// error is shown next to the field the API named.
struct ProfilePage<Context: ConsoleRequestContext> {
    let routes: ConsoleRoutes<Context>
    private var admin: AdministrationService { routes.gateway.administration }

    func register(on router: some RouterMethods<Context>) {
        router.get("/console/teams/:team/profile") { request, context in
            return try await routes.page(request, context) { signedIn in
                let team = try DirectoryPages<Context>.parameter("team", context)
                let profile = try await admin.profile(of: team, principal: signedIn.principal, audit: signedIn.audit)
                let preview = try await admin.renderedSystemPrompt(
                    profile.systemPrompt, of: team, principal: signedIn.principal, audit: signedIn.audit)
                return render(
                    signedIn, team: team, profile: profile, values: Self.values(of: profile), preview: preview)
            }
        }
        // The draft's rendered prompt, nothing saved (a POST only to carry a long draft).
        router.post("/console/teams/:team/profile/preview") { request, context in
            return try await routes.handle(request, context, action: "console.profile.preview", changesState: true) {
                signedIn in
                let team = try DirectoryPages<Context>.parameter("team", context)
                let current = try await admin.profile(of: team, principal: signedIn.principal, audit: signedIn.audit)
                let values = Self.draft(signedIn.form)
                let preview = try await admin.renderedSystemPrompt(
                    values["system_prompt"] ?? "", of: team, principal: signedIn.principal, audit: signedIn.audit)
                return ConsoleResponse.html(
                    render(signedIn, team: team, profile: current, values: values, preview: preview))
            }
        }
        router.post("/console/teams/:team/profile") { request, context in
            return try await routes.handle(request, context, action: "console.profile.save", changesState: true) {
                signedIn in
                let team = try DirectoryPages<Context>.parameter("team", context)
                let form = signedIn.form
                let current = try await admin.profile(of: team, principal: signedIn.principal, audit: signedIn.audit)
                do {
                    let profile = try PromptProfile(
                        systemPrompt: try form.multiline("system_prompt") ?? current.systemPrompt,
                        temperature: try Self.number("temperature", form) ?? current.temperature,
                        topP: try Self.number("top_p", form) ?? current.topP,
                        maxTokens: try Self.integer("max_tokens", form) ?? current.maxTokens,
                        retrieval: try Self.retrieval(form, current: current.retrieval) ?? current.retrieval,
                        allowedModels: try Self.allowedModels(form) ?? current.allowedModels,
                        semanticCache: try Self.semanticCache(form) ?? current.semanticCache,
                        guardrails: try Self.guardrails(form) ?? current.guardrails)
                    _ = try await admin.saveProfile(
                        profile, of: team, principal: signedIn.principal, audit: signedIn.audit)
                    return ConsoleResponse.redirect(
                        to: "/console/teams/\(DirectoryPages<Context>.pathSegment(team))/profile")
                } catch {
                    let failure = ConsoleFailure.from(error)
                    let values = Self.draft(form)
                    let errors = failure.field.map { [Self.errorKey($0): failure.message] } ?? ["form": failure.message]
                    let preview = try? await admin.renderedSystemPrompt(
                        values["system_prompt"] ?? "", of: team, principal: signedIn.principal, audit: signedIn.audit)
                    return ConsoleResponse.html(
                        render(
                            signedIn, team: team, profile: current, values: values, preview: preview, errors: errors),
                        status: .init(code: failure.status))
                }
            }
        }
    }

    private func render(
        _ signedIn: SignedInRequest, team: String, profile: PromptProfile, values: [String: String], preview: String?,
        errors: [String: String] = [:]
    ) -> String {
        var view = signedIn.view(current: "/console/teams/\(team)/profile")
        view["team"] = team
        view["teamPath"] = DirectoryPages<Context>.pathSegment(team)
        view["preview"] = preview ?? ""
        view["version"] = profile.version
        view["values"] = values
        view["retrievalEnabled"] = values["retrieval_enabled"] == "checked"
        view["semanticCacheEnabled"] = values["semantic_cache_enabled"] == "checked"
        view["servedModels"] = routes.gateway.catalog.modelIDs.joined(separator: ", ")
        view["errors"] = errors
        view["mayChange"] = signedIn.principal.rights.contains(.changeProfile)
        return routes.templates.render("profile", view)
    }

    /// What the form carried, to show again as typed.
    static func draft(_ form: FormBody) -> [String: String] {
        var values: [String: String] = [:]
        for field in [
            "system_prompt", "temperature", "top_p", "max_tokens", "retrieval_top_k", "retrieval_chunks_per_document",
            "retrieval_collections", "allowed_models", "semantic_cache_threshold", "guardrails",
        ] {
            values[field] = (try? form.multiline(field)) ?? ""
        }
        for box in ["retrieval_enabled", "semantic_cache_enabled"] {
            values[box] = (try? form.value(box)) == nil ? "" : "checked"
        }
        return values
    }

    /// Where the template shows an error the API named: `retrieval.top_k` → `retrieval_top_k`
    /// (a dot would be a path to the template); anything inside the guardrails next to their
    /// JSON field.
    static func errorKey(_ field: String) -> String {
        if field == "guardrails" || field.hasPrefix("guardrails.") { return "guardrails" }
        return field.replacingOccurrences(of: ".", with: "_")
    }

    static func values(of profile: PromptProfile) -> [String: String] {
        [
            "system_prompt": profile.systemPrompt, "temperature": "\(profile.temperature)", "top_p": "\(profile.topP)",
            "max_tokens": "\(profile.maxTokens)", "retrieval_enabled": profile.retrieval.enabled ? "checked" : "",
            "retrieval_top_k": "\(profile.retrieval.topK)",
            "retrieval_chunks_per_document": "\(profile.retrieval.chunksPerDocument)",
            "retrieval_collections": profile.retrieval.collections.joined(separator: ", "),
            "allowed_models": profile.allowedModels.joined(separator: ", "),
            "semantic_cache_enabled": profile.semanticCache.enabled ? "checked" : "",
            "semantic_cache_threshold": "\(profile.semanticCache.threshold)",
            "guardrails": guardrailsJSON(profile.guardrails),
        ]
    }

    /// The guardrails as the API writes them, keys sorted, for the JSON field; none as empty.
    static func guardrailsJSON(_ guardrails: GuardrailSettings) -> String {
        guard guardrails != .off else { return "" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(guardrails)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The allowed models the form sets (comma- or space-separated; empty: every served model),
    /// nil when it did not carry the field.
    static func allowedModels(_ form: FormBody) throws -> [String]? {
        guard let text = try form.value("allowed_models") else { return nil }
        return list(text)
    }

    /// The semantic cache settings, or nil when the form did not show them.
    static func semanticCache(_ form: FormBody) throws -> SemanticCacheSettings? {
        guard try form.value("semantic_cache_shown") != nil else { return nil }
        return try SemanticCacheSettings(
            enabled: try form.value("semantic_cache_enabled") != nil,
            threshold: try number("semantic_cache_threshold", form) ?? SemanticCacheSettings.defaultThreshold)
    }

    /// The guardrails from their JSON field (empty: none), validated as the API validates a
    /// profile's `guardrails`; nil when the form did not carry the field.
    static func guardrails(_ form: FormBody) throws -> GuardrailSettings? {
        guard let text = try form.value("guardrails")?.trimmingCharacters(in: .whitespacesAndNewlines) else {
            return nil
        }
        guard !text.isEmpty else { return .off }
        do {
            return try JSONDecoder().decode(GuardrailSettings.self, from: Data(text.utf8))
        } catch let error as ProfileError {
            throw error
        } catch {
            throw ConsoleFailure.invalid(
                "must be a JSON object like {\"pii\":{\"email\":\"redact\"}} (see the API's profile)",
                field: "guardrails")
        }
    }

    static func list(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
    }

    /// The retrieval settings the form sets, or nil when it did not show them (a form without
    /// the `retrieval_shown` marker keeps the saved ones).
    static func retrieval(_ form: FormBody, current: RetrievalSettings) throws -> RetrievalSettings? {
        guard try form.value("retrieval_shown") != nil else { return nil }
        return try RetrievalSettings(
            enabled: try form.value("retrieval_enabled") != nil, topK: try integer("retrieval_top_k", form) ?? 4,
            chunksPerDocument: try integer("retrieval_chunks_per_document", form) ?? current.chunksPerDocument,
            collections: list(try form.value("retrieval_collections") ?? ""))
    }

    static func number(_ field: String, _ form: FormBody) throws -> Double? {
        guard let text = try form.text(field) else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw ConsoleFailure.invalid("must be a number", field: field)
        }
        return value
    }

    static func integer(_ field: String, _ form: FormBody) throws -> Int? {
        guard let text = try form.text(field) else { return nil }
        guard let value = Int(text) else { throw ConsoleFailure.invalid("must be a whole number", field: field) }
        return value
    }
}
