import Foundation
import Gateway
import Hummingbird
import Tenancy

/// Usage (`GET /v1/admin/usage?group_by=day|user|key`) as three SVG bar charts of tokens —
/// per day, per user, per key — for the teams the caller may read, optionally one team and a
/// time range.
struct UsagePage<Context: ConsoleRequestContext> {
    let routes: ConsoleRoutes<Context>

    func register(on router: some RouterMethods<Context>) {
        router.get("/console/usage") { request, context in
            try await routes.page(request, context) { signedIn in
                let query = request.uri.queryParameters
                var values: [String: String] = [:]
                for field in ["team", "since", "until"] { values[field] = query.get(field) ?? "" }
                var view = signedIn.view(current: "/console/usage")
                view["values"] = values
                do {
                    let team = AuditPage<Context>.text(values["team"])
                    let since = try AuditPage<Context>.instant("since", values["since"])
                    let until = try AuditPage<Context>.instant("until", values["until"])
                    let admin = routes.gateway.administration
                    let byDay = try await admin.usage(
                        team: team, since: since, until: until, groupedBy: .day, principal: signedIn.principal,
                        audit: signedIn.audit)
                    let byUser = try await admin.usage(
                        team: team, since: since, until: until, groupedBy: .user, principal: signedIn.principal,
                        audit: signedIn.audit)
                    let byKey = try await admin.usage(
                        team: team, since: since, until: until, groupedBy: .key, principal: signedIn.principal,
                        audit: signedIn.audit)
                    view["days"] = BarChart(byDay.map { ($0.label, $0.totalTokens) }).view(
                        id: "days", title: "Tokens per day")
                    view["users"] = BarChart(byUser.map { ($0.label, $0.totalTokens) }).view(
                        id: "users", title: "Tokens per user")
                    view["keys"] = BarChart(byKey.map { ($0.label, $0.totalTokens) }).view(
                        id: "keys", title: "Tokens per key")
                } catch {
                    let failure = ConsoleFailure.from(error)
                    guard failure.status == 400 else { throw error }
                    view["errors"] = [failure.field ?? "form": failure.message]
                }
                return routes.templates.render("usage", view)
            }
        }
    }
}
