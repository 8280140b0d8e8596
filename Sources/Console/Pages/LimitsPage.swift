import Foundation
import Gateway
import Hummingbird
import Tenancy

/// A team's limits (`GET|PUT /v1/admin/teams/{team}/limits`): requests and tokens per
/// minute, requests at once, monthly tokens and the share weight. Empty means unlimited (a
/// weight of 1); a field left out of the post is refused, never read as empty. Team admins
/// read them; the owner and org admins set them (a team never raises its own).
struct LimitsPage<Context: ConsoleRequestContext> {
    let routes: ConsoleRoutes<Context>
    private var admin: AdministrationService { routes.gateway.administration }
    static var fields: [String] { ["requests_per_minute", "tokens_per_minute", "max_concurrent", "monthly_tokens"] }

    func register(on router: some RouterMethods<Context>) {
        router.get("/console/teams/:team/limits") { request, context in
            return try await routes.page(request, context) { signedIn in
                let team = try DirectoryPages<Context>.parameter("team", context)
                let limits = try await admin.limits(of: team, principal: signedIn.principal, audit: signedIn.audit)
                return render(signedIn, team: team, values: Self.values(of: limits))
            }
        }
        router.post("/console/teams/:team/limits") { request, context in
            return try await routes.handle(request, context, action: "console.limits.set", changesState: true) {
                signedIn in
                let team = try DirectoryPages<Context>.parameter("team", context)
                let form = signedIn.form
                do {
                    let limits = try TeamLimits(
                        requestsPerMinute: try Self.integer("requests_per_minute", form),
                        tokensPerMinute: try Self.integer("tokens_per_minute", form),
                        maxConcurrent: try Self.integer("max_concurrent", form),
                        monthlyTokens: try Self.integer("monthly_tokens", form),
                        weight: try Self.weight(form))
                    _ = try await admin.setLimits(
                        limits, of: team, principal: signedIn.principal, audit: signedIn.audit)
                    return ConsoleResponse.redirect(
                        to: "/console/teams/\(DirectoryPages<Context>.pathSegment(team))/limits")
                } catch {
                    let failure = ConsoleFailure.from(error)
                    var values: [String: String] = [:]
                    for field in Self.fields + ["weight"] { values[field] = (try? form.value(field)) ?? "" }
                    let errors = failure.field.map { [$0: failure.message] } ?? ["form": failure.message]
                    return ConsoleResponse.html(
                        render(signedIn, team: team, values: values, errors: errors),
                        status: .init(code: failure.status))
                }
            }
        }
    }

    private func render(
        _ signedIn: SignedInRequest, team: String, values: [String: String], errors: [String: String] = [:]
    ) -> String {
        var view = signedIn.view(current: "/console/teams/\(team)/limits")
        view["team"] = team
        view["teamPath"] = DirectoryPages<Context>.pathSegment(team)
        view["values"] = values
        view["errors"] = errors
        view["mayChange"] = signedIn.principal.rights.contains(.setLimits)
        return routes.templates.render("limits", view)
    }

    static func values(of limits: TeamLimits) -> [String: String] {
        [
            "requests_per_minute": limits.requestsPerMinute.map(String.init) ?? "",
            "tokens_per_minute": limits.tokensPerMinute.map(String.init) ?? "",
            "max_concurrent": limits.maxConcurrent.map(String.init) ?? "",
            "monthly_tokens": limits.monthlyTokens.map(String.init) ?? "",
            "weight": "\(limits.weight)",
        ]
    }

    /// A limit: empty means unlimited. Absent is refused: read as empty, a hand-made post that
    /// left a field out silently lifted that limit (the console's form sends every field).
    static func integer(_ field: String, _ form: FormBody) throws -> Int? {
        try requireSent(field, form, emptyMeans: "unlimited")
        guard let text = try form.text(field) else { return nil }
        guard let value = Int(text) else {
            throw ConsoleFailure.invalid("must be a whole number, or empty for unlimited", field: field)
        }
        return value
    }

    /// The share weight: empty means 1; absent is refused like a limit.
    static func weight(_ form: FormBody) throws -> Double {
        try requireSent("weight", form, emptyMeans: "1")
        return try ProfilePage<Context>.number("weight", form) ?? 1
    }

    private static func requireSent(_ field: String, _ form: FormBody, emptyMeans: String) throws {
        guard try form.value(field) == nil else { return }
        throw ConsoleFailure.invalid("was not sent (an empty field means \(emptyMeans))", field: field)
    }
}
