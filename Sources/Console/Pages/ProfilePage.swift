import Foundation
import Gateway
import Hummingbird
import Tenancy

/// A team's prompt profile (`GET|PUT /v1/admin/teams/{team}/profile`): the system prompt
/// and sampling defaults. Saving keeps every other setting of the profile (retrieval,
/// allowed models, semantic cache, guardrails) as it is.
struct ProfilePage<Context: ConsoleRequestContext> {
    let routes: ConsoleRoutes<Context>
    private var admin: AdministrationService { routes.gateway.administration }

    func register(on router: some RouterMethods<Context>) {
        router.get("/console/teams/:team/profile") { request, context in
            let team = try DirectoryPages<Context>.parameter("team", context)
            return try await routes.page(request, context) { signedIn in
                let profile = try await admin.profile(of: team, principal: signedIn.principal, audit: signedIn.audit)
                let preview = try await admin.renderedSystemPrompt(
                    profile.systemPrompt, of: team, principal: signedIn.principal, audit: signedIn.audit)
                return render(
                    signedIn, team: team, profile: profile, values: Self.values(of: profile), preview: preview)
            }
        }
        // The draft's rendered prompt, nothing saved (a POST only to carry a long draft).
        router.post("/console/teams/:team/profile/preview") { request, context in
            let team = try DirectoryPages<Context>.parameter("team", context)
            return try await routes.handle(request, context, action: "console.profile.preview", changesState: true) {
                signedIn in
                let current = try await admin.profile(of: team, principal: signedIn.principal, audit: signedIn.audit)
                let values = Self.draft(signedIn.form)
                let preview = try await admin.renderedSystemPrompt(
                    values["system_prompt"] ?? "", of: team, principal: signedIn.principal, audit: signedIn.audit)
                return ConsoleResponse.html(
                    render(signedIn, team: team, profile: current, values: values, preview: preview))
            }
        }
        router.post("/console/teams/:team/profile") { request, context in
            let team = try DirectoryPages<Context>.parameter("team", context)
            return try await routes.handle(request, context, action: "console.profile.save", changesState: true) {
                signedIn in
                let form = signedIn.form
                let current = try await admin.profile(of: team, principal: signedIn.principal, audit: signedIn.audit)
                do {
                    let profile = try PromptProfile(
                        systemPrompt: try form.value("system_prompt") ?? current.systemPrompt,
                        temperature: try Self.number("temperature", form) ?? current.temperature,
                        topP: try Self.number("top_p", form) ?? current.topP,
                        maxTokens: try Self.integer("max_tokens", form) ?? current.maxTokens,
                        retrieval: try Self.retrieval(form) ?? current.retrieval, allowedModels: current.allowedModels,
                        semanticCache: current.semanticCache, guardrails: current.guardrails)
                    _ = try await admin.saveProfile(
                        profile, of: team, principal: signedIn.principal, audit: signedIn.audit)
                    return ConsoleResponse.redirect(
                        to: "/console/teams/\(DirectoryPages<Context>.pathSegment(team))/profile")
                } catch {
                    let failure = ConsoleFailure.from(error)
                    let values = Self.draft(form)
                    // `retrieval.top_k` → `retrieval_top_k`: a dot would be a path to the template.
                    let errors =
                        failure.field.map { [$0.replacingOccurrences(of: ".", with: "_"): failure.message] }
                        ?? ["form": failure.message]
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
        view["preview"] = preview ?? ""
        view["version"] = profile.version
        view["values"] = values
        view["retrievalEnabled"] = values["retrieval_enabled"] == "checked"
        view["errors"] = errors
        view["mayChange"] = signedIn.principal.rights.contains(.changeProfile)
        return routes.templates.render("profile", view)
    }

    /// What the form carried, to show again as typed.
    static func draft(_ form: FormBody) -> [String: String] {
        var values: [String: String] = [:]
        for field in [
            "system_prompt", "temperature", "top_p", "max_tokens", "retrieval_top_k", "retrieval_collections",
        ] {
            values[field] = (try? form.value(field)) ?? ""
        }
        values["retrieval_enabled"] = (try? form.value("retrieval_enabled")) == nil ? "" : "checked"
        return values
    }

    static func values(of profile: PromptProfile) -> [String: String] {
        [
            "system_prompt": profile.systemPrompt, "temperature": "\(profile.temperature)", "top_p": "\(profile.topP)",
            "max_tokens": "\(profile.maxTokens)", "retrieval_enabled": profile.retrieval.enabled ? "checked" : "",
            "retrieval_top_k": "\(profile.retrieval.topK)",
            "retrieval_collections": profile.retrieval.collections.joined(separator: ", "),
        ]
    }

    /// The retrieval settings the form sets, or nil when it did not show them (a form without
    /// the `retrieval_shown` marker keeps the saved ones).
    static func retrieval(_ form: FormBody) throws -> RetrievalSettings? {
        guard try form.value("retrieval_shown") != nil else { return nil }
        let collections = try (form.value("retrieval_collections") ?? "")
            .split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
        return try RetrievalSettings(
            enabled: try form.value("retrieval_enabled") != nil, topK: try integer("retrieval_top_k", form) ?? 4,
            collections: collections)
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
