import Foundation
import Gateway
import Hummingbird
import Tenancy

/// The audit browser (`GET /v1/admin/audit?team=&since=&until=&limit=`): newest first, only
/// the records the caller may see, filtered like the API; with `verify=1`, also the hash
/// chain's status (`GET /v1/admin/audit/verify`, the walk of `atrium audit verify`) — on
/// request only, since it reads the whole chain.
struct AuditPage<Context: ConsoleRequestContext> {
    let routes: ConsoleRoutes<Context>
    static var defaultLimit: Int { 100 }

    func register(on router: some RouterMethods<Context>) {
        router.get("/console/audit") { request, context in
            try await routes.page(request, context) { signedIn in
                let query = request.uri.queryParameters
                var values: [String: String] = [:]
                for field in ["team", "since", "until", "limit"] { values[field] = query.get(field) ?? "" }
                var view = signedIn.view(current: "/console/audit")
                view["values"] = values
                // The chain spans every tenant: the owner's alone (the service decides; the
                // page only leaves the button out for others).
                view["canVerifyChain"] = signedIn.principal.role == .owner
                if query.get("verify") == "1" {
                    let verification = try await routes.gateway.administration.verifyAuditChain(
                        principal: signedIn.principal, audit: signedIn.audit)
                    // "Verified: N records" or "Broken at record N (why), N intact before it".
                    view["verification"] =
                        verification.firstBreak.map { broken -> [String: Any] in
                            [
                                "intact": false, "records": verification.intactRecords,
                                "brokenAt": String(broken.recordID), "problem": broken.description,
                            ]
                        } ?? ["intact": true, "records": verification.intactRecords]
                }
                do {
                    let records = try await routes.gateway.administration.auditRecords(
                        team: Self.text(values["team"]), since: try Self.instant("since", values["since"]),
                        until: try Self.instant("until", values["until"]),
                        limit: try Self.limit(values["limit"]), principal: signedIn.principal, audit: signedIn.audit)
                    view["records"] = records.map { record -> [String: Any] in
                        var row: [String: Any] = [
                            "time": ISO8601DateFormatter().string(from: record.occurredAt), "action": record.action,
                            "resource": record.resource, "decision": record.allowed ? "allowed" : "denied",
                            "key": record.keyPrefix ?? "", "team": record.teamID?.rawValue ?? "",
                            "tokens": record.promptTokens + record.completionTokens,
                            "denied": !record.allowed,
                        ]
                        // An empty string is truthy to the template: only a real reason is shown.
                        if let reason = record.reason, !reason.isEmpty { row["reason"] = reason }
                        return row
                    }
                } catch {
                    // A bad filter is shown next to its field; anything else is the page's error.
                    let failure = ConsoleFailure.from(error)
                    guard failure.status == 400 else { throw error }
                    view["errors"] = [failure.field ?? "form": failure.message]
                    view["records"] = [[String: Any]]()
                }
                return routes.templates.render("audit", view)
            }
        }
    }

    static func text(_ value: String?) -> String? {
        guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return value.trimmingCharacters(in: .whitespaces)
    }

    /// A `YYYY-MM-DD` day (its start, UTC), as a date field sends it, or an ISO 8601 instant —
    /// read as the API reads them (``Instant``), so within 1970…9999 like every instant a
    /// client names (a bare formatter took years like 999999999999999).
    static func instant(_ field: String, _ value: String?) throws -> Date? {
        guard let text = text(value) else { return nil }
        if let date = Instant.parse(text) { return date }
        throw ConsoleFailure.invalid("must be a date (YYYY-MM-DD) or an ISO 8601 instant, between 1970 and 9999", field: field)
    }

    static func limit(_ value: String?) throws -> Int {
        guard let text = text(value) else { return defaultLimit }
        guard let limit = Int(text), (1...1000).contains(limit) else {
            throw ConsoleFailure.invalid("must be a whole number from 1 to 1000", field: "limit")
        }
        return limit
    }
}
