import Foundation
import Gateway
import Hummingbird
import Tenancy

/// Organizations, teams, users, memberships and keys — the administration plane of the API
/// (`/v1/admin/orgs…`, `/v1/admin/users`, `/v1/admin/teams/{team}/members…`,
/// `/v1/admin/keys…`) as pages, through the same ``AdministrationService`` calls.
struct DirectoryPages<Context: ConsoleRequestContext> {
    let routes: ConsoleRoutes<Context>
    private var admin: AdministrationService { routes.gateway.administration }
    private var templates: ConsoleTemplates { routes.templates }

    func register(on router: some RouterMethods<Context>) {
        router.get("/console/orgs") { request, context in
            try await routes.page(request, context) { try await organizations($0) }
        }
        router.post("/console/orgs") { request, context in
            try await routes.handle(request, context, action: "console.org.create", changesState: true) { signedIn in
                do {
                    let name = try signedIn.form.required("name")
                    _ = try await admin.createOrganization(
                        named: name, principal: signedIn.principal, audit: signedIn.audit)
                    return ConsoleResponse.redirect(to: "/console/orgs")
                } catch {
                    let failure = ConsoleFailure.from(error)
                    let page = try await organizations(
                        signedIn, errors: Self.errors(failure, formField: "name"),
                        values: ["name": (try? signedIn.form.value("name")) ?? ""])
                    return ConsoleResponse.html(page, status: .init(code: failure.status))
                }
            }
        }
        router.get("/console/orgs/:org") { request, context in
            try await routes.page(request, context) { try await organization($0, try Self.parameter("org", context)) }
        }
        router.post("/console/orgs/:org/teams") { request, context in
            return try await routes.handle(request, context, action: "console.team.create", changesState: true) {
                signedIn in
                let org = try Self.parameter("org", context)
                do {
                    let name = try signedIn.form.required("name")
                    _ = try await admin.createTeam(
                        named: name, in: org, principal: signedIn.principal, audit: signedIn.audit)
                    return ConsoleResponse.redirect(to: "/console/orgs/\(Self.pathSegment(org))")
                } catch {
                    let failure = ConsoleFailure.from(error)
                    let page = try await organization(
                        signedIn, org, errors: Self.errors(failure, formField: "team"),
                        values: ["team": (try? signedIn.form.value("name")) ?? ""])
                    return ConsoleResponse.html(page, status: .init(code: failure.status))
                }
            }
        }
        router.post("/console/orgs/:org/users") { request, context in
            return try await routes.handle(request, context, action: "console.user.create", changesState: true) {
                signedIn in
                let org = try Self.parameter("org", context)
                let form = signedIn.form
                do {
                    let user = try await admin.createUser(
                        named: try form.required("name"), email: try form.text("email"), organization: org,
                        principal: signedIn.principal, audit: signedIn.audit)
                    let page = try await organization(
                        signedIn, org, created: ["name": user.name, "id": user.id.rawValue])
                    return ConsoleResponse.html(page, status: .created)
                } catch {
                    let failure = ConsoleFailure.from(error)
                    let field = failure.field == "email" ? "email" : "user"
                    let page = try await organization(
                        signedIn, org, errors: Self.errors(failure, formField: field),
                        values: ["user": (try? form.value("name")) ?? "", "email": (try? form.value("email")) ?? ""])
                    return ConsoleResponse.html(page, status: .init(code: failure.status))
                }
            }
        }
        router.get("/console/teams/:team") { request, context in
            try await routes.page(request, context) { try await team($0, try Self.parameter("team", context)) }
        }
        router.post("/console/teams/:team/members") { request, context in
            return try await routes.handle(request, context, action: "console.member.set", changesState: true) {
                signedIn in
                let team = try Self.parameter("team", context)
                let form = signedIn.form
                do {
                    _ = try await admin.setMember(
                        try form.required("user"), of: team, role: try form.required("role"),
                        principal: signedIn.principal,
                        audit: signedIn.audit)
                    return ConsoleResponse.redirect(to: "/console/teams/\(Self.pathSegment(team))")
                } catch {
                    let failure = ConsoleFailure.from(error)
                    let field = failure.field == "role" ? "role" : "member"
                    let page = try await self.team(
                        signedIn, team, errors: Self.errors(failure, formField: field),
                        values: ["member": (try? form.value("user")) ?? ""])
                    return ConsoleResponse.html(page, status: .init(code: failure.status))
                }
            }
        }
        router.post("/console/teams/:team/keys") { request, context in
            return try await routes.handle(request, context, action: "console.key.issue", changesState: true) {
                signedIn in
                let team = try Self.parameter("team", context)
                return try await issueKey(signedIn, team: team)
            }
        }
        router.post("/console/teams/:team/keys/:id/revoke") { request, context in
            return try await routes.handle(request, context, action: "console.key.revoke", changesState: true) {
                signedIn in
                let team = try Self.parameter("team", context)
                let id = try Self.parameter("id", context)
                _ = try await admin.revokeKey(id, principal: signedIn.principal, audit: signedIn.audit)
                return ConsoleResponse.redirect(to: "/console/teams/\(Self.pathSegment(team))")
            }
        }
    }

    // MARK: Pages

    private func organizations(
        _ signedIn: SignedInRequest, errors: [String: String] = [:], values: [String: String] = [:]
    )
        async throws -> String
    {
        let organizations = try await admin.organizations(principal: signedIn.principal, audit: signedIn.audit)
        var view = signedIn.view(current: "/console/orgs")
        view["organizations"] = organizations.map { ["id": $0.id.rawValue, "name": $0.name] }
        view["mayCreate"] = signedIn.principal.rights.contains(.createOrganization)
        view["errors"] = errors
        view["values"] = values
        return templates.render("organizations", view)
    }

    private func organization(
        _ signedIn: SignedInRequest, _ address: String, errors: [String: String] = [:], values: [String: String] = [:],
        created: [String: String]? = nil
    ) async throws -> String {
        let teams = try await admin.teams(in: address, principal: signedIn.principal, audit: signedIn.audit)
        var view = signedIn.view(current: "/console/orgs")
        view["organization"] = address
        view["teams"] = teams.map { ["id": $0.id.rawValue, "name": $0.name] }
        view["errors"] = errors
        view["values"] = values
        // Only when set: `nil as Any` is a value to the template, which drew the notice always.
        if let created { view["createdUser"] = created }
        return templates.render("organization", view)
    }

    private func team(
        _ signedIn: SignedInRequest, _ address: String, errors: [String: String] = [:], values: [String: String] = [:]
    ) async throws -> String {
        let principal = signedIn.principal
        let members = try await admin.members(of: address, principal: principal, audit: signedIn.audit)
        let keys = try await admin.keys(team: address, principal: principal, audit: signedIn.audit)
        let now = routes.now()
        var view = signedIn.view(current: "/console/teams/\(address)")
        view["team"] = address
        view["teamPath"] = Self.pathSegment(address)
        view["members"] = members.map { ["user": $0.userID.rawValue, "role": SignedInRequest.label($0.role)] }
        view["keys"] = keys.map { key -> [String: Any] in
            let status = key.status(at: now)
            return [
                "id": key.id.rawValue, "prefix": key.prefix, "name": key.name ?? "", "user": key.userID.rawValue,
                "role": SignedInRequest.label(key.role), "team": address, "teamPath": Self.pathSegment(address),
                "csrf": signedIn.csrf,
                "expires": key.expiresAt.map(Self.day) ?? "never", "status": "\(status)",
                "revocable": status == .active && principal.rights.contains(.revokeKey),
            ]
        }
        view["mayProfile"] = principal.rights.contains(.readProfile)
        view["mayLimits"] = principal.rights.contains(.readLimits)
        view["errors"] = errors
        view["values"] = values
        return templates.render("team", view)
    }

    private func issueKey(_ signedIn: SignedInRequest, team: String) async throws -> Response {
        let form = signedIn.form
        do {
            var expiresAt: Date?
            if let days = try form.text("expires_in_days") {
                guard let count = Int(days), (1...3650).contains(count) else {
                    throw ConsoleFailure.invalid("must be a whole number of days from 1 to 3650", field: "expires_at")
                }
                expiresAt = routes.now().addingTimeInterval(TimeInterval(count) * 86_400)
            }
            let order = KeyIssueOrder(
                user: try form.required("user"), team: team, role: try form.text("role"), name: try form.text("name"),
                expiresAt: expiresAt)
            let issued = try await admin.issueKey(order, principal: signedIn.principal, audit: signedIn.audit)
            var view = signedIn.view(current: "/console/teams/\(team)")
            view["secret"] = issued.secret.revealed
            view["prefix"] = issued.record.prefix
            view["team"] = team
            view["teamPath"] = Self.pathSegment(team)
            return ConsoleResponse.html(templates.render("issued-key", view), status: .created)
        } catch {
            let failure = ConsoleFailure.from(error)
            let field = ["user", "name", "expires_at"].contains(failure.field ?? "") ? failure.field! : "user"
            let page = try await self.team(
                signedIn, team, errors: Self.errors(failure, formField: field),
                values: [
                    "user": (try? form.value("user")) ?? "", "name": (try? form.value("name")) ?? "",
                    "expires_in_days": (try? form.value("expires_in_days")) ?? "",
                ])
            return ConsoleResponse.html(page, status: .init(code: failure.status))
        }
    }

    // MARK: Helpers

    /// The failure's message under the form field it concerns: the field the API named
    /// when the form has it, else `formField` for input errors, else above the form.
    static func errors(_ failure: ConsoleFailure, formField: String) -> [String: String] {
        if failure.status == 400 || failure.status == 409 { return [formField: failure.message] }
        return ["form": failure.message]
    }

    /// A path parameter, percent-decoded as the API decodes its own (`acme%2Fsales` is the team
    /// `acme/sales`, which is how ``pathSegment(_:)`` writes it into links).
    static func parameter(_ name: String, _ context: Context) throws -> String {
        guard let raw = context.parameters.get(name), raw.utf8.count <= 600, let value = raw.removingPercentEncoding,
            !value.isEmpty, value.utf8.count <= 200,
            !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw ConsoleFailure(status: 404, message: "No such page.", field: nil) }
        return value
    }

    /// A path segment as a link carries it.
    static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-_."))) ?? ""
    }

    static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }
}
