import Foundation
import Gateway
import Hummingbird
import Tenancy

/// Security alerts (`GET /v1/admin/alerts?team=&since=&limit=`): newest first, only those the
/// caller may see (the owner every alert, an org admin its organization's, a team admin its
/// team's), each side of a cross-team attempt seeing only its own side's ids — the service
/// decides, the page only draws.
struct AlertsPage<Context: ConsoleRequestContext> {
    let routes: ConsoleRoutes<Context>

    func register(on router: some RouterMethods<Context>) {
        router.get("/console/alerts") { request, context in
            try await routes.page(request, context) { signedIn in
                let query = request.uri.queryParameters
                var values: [String: String] = [:]
                for field in ["team", "since", "limit"] { values[field] = query.get(field) ?? "" }
                var view = signedIn.view(current: "/console/alerts")
                view["values"] = values
                do {
                    let team = AuditPage<Context>.text(values["team"])
                    let since = try AuditPage<Context>.instant("since", values["since"])
                    let limit = try AuditPage<Context>.limit(values["limit"])
                    // Alerts are raised off the response path; wait for those of earlier requests.
                    await routes.gateway.intrusion.settled()
                    let alerts = try await routes.gateway.administration.alerts(
                        team: team, since: since, limit: limit, principal: signedIn.principal, audit: signedIn.audit)
                    view["alerts"] = alerts.map { record -> [String: Any] in
                        let alert = record.alert
                        return [
                            "time": ISO8601DateFormatter().string(from: alert.occurredAt), "kind": alert.kind.rawValue,
                            "address": alert.address ?? "", "key": alert.keyPrefix ?? "",
                            "team": alert.teamID?.rawValue ?? "", "target": alert.targetTeamID?.rawValue ?? "",
                            "detail": alert.detail,
                        ]
                    }
                } catch {
                    // A bad filter is shown next to its field; anything else is the page's error.
                    let failure = ConsoleFailure.from(error)
                    guard failure.status == 400 else { throw error }
                    view["errors"] = [failure.field ?? "form": failure.message]
                    view["alerts"] = [[String: Any]]()
                }
                return routes.templates.render("alerts", view)
            }
        }
    }
}
