import Foundation
import Gateway
import Hummingbird
import Store
import Tenancy

/// The administration plane of DESIGN §4. Each handler decodes its input, lets the
/// ``AdministrationService`` decide and act, and encodes the answer; denials, 404s for other
/// tenants' ids and the audit record all happen in the service.
struct AdminRoutes {
    let gateway: Gateway
    let maximumBodyBytes: Int
    let now: @Sendable () -> Date

    private var admin: AdministrationService { gateway.administration }

    func register(on router: some RouterMethods<AuthenticatedContext>) {
        router.on(AtriumRoute.createOrganization, use: createOrganization)
        router.on(AtriumRoute.listOrganizations, use: listOrganizations)
        router.on(AtriumRoute.createTeam, use: createTeam)
        router.on(AtriumRoute.listTeams, use: listTeams)
        router.on(AtriumRoute.appointOrganizationAdmin, use: appointOrganizationAdmin)
        router.on(AtriumRoute.removeOrganizationAdmin, use: removeOrganizationAdmin)
        router.on(AtriumRoute.createUser, use: createUser)
        router.on(AtriumRoute.addOrganizationUser, use: addOrganizationUser)
        router.on(AtriumRoute.removeOrganizationUser, use: removeOrganizationUser)
        router.on(AtriumRoute.setMember, use: setMember)
        router.on(AtriumRoute.removeMember, use: removeMember)
        router.on(AtriumRoute.listMembers, use: listMembers)
        router.on(AtriumRoute.issueKey, use: issueKey)
        router.on(AtriumRoute.listKeys, use: listKeys)
        router.on(AtriumRoute.revokeKey, use: revokeKey)
        router.on(AtriumRoute.rotateKey, use: rotateKey)
        router.on(AtriumRoute.readProfile, use: readProfile)
        router.on(AtriumRoute.saveProfile, use: saveProfile)
        router.on(AtriumRoute.readLimits, use: readLimits)
        router.on(AtriumRoute.setLimits, use: setLimits)
        router.on(AtriumRoute.readAudit, use: readAudit)
        router.on(AtriumRoute.verifyAudit, use: verifyAudit)
        router.on(AtriumRoute.readUsage, use: readUsage)
        router.on(AtriumRoute.readAlerts, use: readAlerts)
        router.on(AtriumRoute.readBudgets, use: readBudgets)
        router.on(AtriumRoute.setBudget, use: setBudget)
        router.on(AtriumRoute.deleteBudget, use: deleteBudget)
        router.on(AtriumRoute.listPrices, use: listPrices)
        router.on(AtriumRoute.setPrice, use: setPrice)
    }

    // MARK: Directory

    @Sendable func createOrganization(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let body = try await decode(NameBody.self, request)
        let organization = try await admin.createOrganization(named: body.name, principal: context.principal, audit: context.audit)
        return try JSONOutput.response(OrganizationView(organization), status: .created)
    }

    @Sendable func listOrganizations(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let organizations = try await admin.organizations(principal: context.principal, audit: context.audit)
        return try JSONOutput.response(ListView(data: organizations.map(OrganizationView.init)))
    }

    @Sendable func createTeam(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let organization = try context.parameters.decoded("org")
        let body = try await decode(NameBody.self, request)
        let team = try await admin.createTeam(
            named: body.name, in: organization, principal: context.principal, audit: context.audit)
        return try JSONOutput.response(TeamView(team), status: .created)
    }

    @Sendable func listTeams(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let teams = try await admin.teams(in: try context.parameters.decoded("org"), principal: context.principal, audit: context.audit)
        return try JSONOutput.response(ListView(data: teams.map(TeamView.init)))
    }

    @Sendable func appointOrganizationAdmin(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let user = try await admin.appointOrganizationAdmin(
            try context.parameters.decoded("user"), of: try context.parameters.decoded("org"), principal: context.principal,
            audit: context.audit)
        return try JSONOutput.response(UserView(user))
    }

    @Sendable func removeOrganizationAdmin(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await admin.removeOrganizationAdmin(
            try context.parameters.decoded("user"), of: try context.parameters.decoded("org"), principal: context.principal,
            audit: context.audit)
        return Response(status: .noContent)
    }

    @Sendable func createUser(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let body = try await decode(UserBody.self, request)
        let user = try await admin.createUser(
            named: body.name, email: body.email, organization: body.org, principal: context.principal,
            audit: context.audit)
        return try JSONOutput.response(UserView(user), status: .created)
    }

    @Sendable func addOrganizationUser(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let user = try await admin.addOrganizationUser(
            try context.parameters.decoded("user"), to: try context.parameters.decoded("org"), principal: context.principal,
            audit: context.audit)
        return try JSONOutput.response(UserView(user))
    }

    @Sendable func removeOrganizationUser(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await admin.removeOrganizationUser(
            try context.parameters.decoded("user"), from: try context.parameters.decoded("org"), principal: context.principal,
            audit: context.audit)
        return Response(status: .noContent)
    }

    @Sendable func setMember(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let team = try context.parameters.decoded("team")
        let user = try context.parameters.decoded("user")
        let body = try await decode(RoleBody.self, request)
        let membership = try await admin.setMember(
            user, of: team, role: body.role, principal: context.principal, audit: context.audit)
        return try JSONOutput.response(MembershipView(membership))
    }

    @Sendable func removeMember(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await admin.removeMember(
            try context.parameters.decoded("user"), of: try context.parameters.decoded("team"), principal: context.principal,
            audit: context.audit)
        return Response(status: .noContent)
    }

    @Sendable func listMembers(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let members = try await admin.members(
            of: try context.parameters.decoded("team"), principal: context.principal, audit: context.audit)
        return try JSONOutput.response(ListView(data: members.map(MembershipView.init)))
    }

    // MARK: Keys

    @Sendable func issueKey(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let body = try await decode(KeyBody.self, request)
        let issued = try await admin.issueKey(body.order, principal: context.principal, audit: context.audit)
        return try JSONOutput.response(IssuedKeyView(issued: issued, now: now()), status: .created)
    }

    @Sendable func listKeys(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let keys = try await admin.keys(
            team: try query(request, allowing: ["team"])["team"], principal: context.principal, audit: context.audit)
        let instant = now()
        return try JSONOutput.response(ListView(data: keys.map { KeyView(record: $0, now: instant) }))
    }

    @Sendable func revokeKey(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let withMinted: Bool
        switch try query(request, allowing: ["with_minted"])["with_minted"] {
        case nil, "false": withMinted = false
        case "true": withMinted = true
        default: throw GatewayError.invalid("with_minted is true or false", param: "with_minted")
        }
        let record = try await admin.revokeKey(
            try context.parameters.decoded("id"), withMinted: withMinted, principal: context.principal, audit: context.audit)
        return try JSONOutput.response(KeyView(record: record, now: now()))
    }

    @Sendable func rotateKey(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.decoded("id")
        let body = try await decode(RotateKeyBody.self, request)
        let rotated = try await admin.rotateKey(
            id, graceSeconds: body.graceSeconds, principal: context.principal, audit: context.audit)
        return try JSONOutput.response(IssuedKeyView(issued: rotated, now: now()))
    }

    // MARK: Team settings

    @Sendable func readProfile(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let profile = try await admin.profile(of: try context.parameters.decoded("team"), principal: context.principal, audit: context.audit)
        return try JSONOutput.response(ProfileView(profile: profile, availability: gateway.semanticCacheAvailability))
    }

    @Sendable func saveProfile(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let team = try context.parameters.decoded("team")
        let profile = try await decode(PromptProfile.self, request)
        let saved = try await admin.saveProfile(profile, of: team, principal: context.principal, audit: context.audit)
        return try JSONOutput.response(ProfileView(profile: saved, availability: gateway.semanticCacheAvailability))
    }

    @Sendable func readLimits(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let team = try context.parameters.decoded("team")
        let limits = try await admin.limits(of: team, principal: context.principal, audit: context.audit)
        let budgets = try await admin.budgetsIfReadable(of: team, principal: context.principal) ?? []
        return try JSONOutput.response(LimitsView(limits: limits, budgets: budgets))
    }

    @Sendable func setLimits(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let team = try context.parameters.decoded("team")
        let limits = try await decode(TeamLimits.self, request)
        let saved = try await admin.setLimits(limits, of: team, principal: context.principal, audit: context.audit)
        return try JSONOutput.response(saved)
    }

    // MARK: Records

    @Sendable func readAudit(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let query = try query(request, allowing: ["team", "since", "until", "limit"])
        let limit = try integer("limit", query["limit"]) ?? 100
        let records = try await admin.auditRecords(
            team: query["team"], since: try instant("since", query["since"]),
            until: try instant("until", query["until"]), limit: limit, principal: context.principal,
            audit: context.audit)
        return try JSONOutput.response(ListView(data: records.map(AuditRecordView.init)))
    }

    @Sendable func verifyAudit(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let verification = try await admin.verifyAuditChain(principal: context.principal, audit: context.audit)
        return try JSONOutput.response(AuditVerificationView(verification: verification))
    }

    /// Raw rows (day × team × user × key) without `group_by`; sums per group with it.
    @Sendable func readUsage(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let query = try query(request, allowing: ["team", "since", "until", "group_by"])
        let team = query["team"]
        let since = try instant("since", query["since"])
        let until = try instant("until", query["until"])
        guard let groupName = query["group_by"] else {
            let rows = try await admin.usage(team: team, since: since, until: until, principal: context.principal, audit: context.audit)
            return try JSONOutput.response(
                UsageListView(data: rows.map(UsageView.init), budgets: try await usageBudgets(team, context)))
        }
        guard let grouping = UsageGrouping(rawValue: groupName) else {
            throw GatewayError.invalid("'group_by' must be team, user, key or day, not '\(groupName)'", param: "group_by")
        }
        let summaries = try await admin.usage(
            team: team, since: since, until: until, groupedBy: grouping, principal: context.principal, audit: context.audit)
        return try JSONOutput.response(
            UsageListView(data: summaries.map(UsageSummaryView.init), budgets: try await usageBudgets(team, context)))
    }

    /// The named team's budgets beside its usage (none without a team, or for a caller who may
    /// not read its limits).
    private func usageBudgets(_ team: String?, _ context: AuthenticatedContext) async throws -> [BudgetView]? {
        guard let team else { return nil }
        return try await admin.budgetsIfReadable(of: team, principal: context.principal)?.map(BudgetView.init)
    }

    // MARK: Budgets and prices

    @Sendable func readBudgets(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let budgets = try await admin.budgets(of: try context.parameters.decoded("team"), principal: context.principal, audit: context.audit)
        return try JSONOutput.response(ListView(data: budgets.map(BudgetView.init)))
    }

    @Sendable func setBudget(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let team = try context.parameters.decoded("team")
        let body = try await decode(BudgetBody.self, request)
        let status = try await admin.setBudget(body.order, of: team, principal: context.principal, audit: context.audit)
        return try JSONOutput.response(BudgetView(status: status))
    }

    @Sendable func deleteBudget(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await admin.deleteBudget(
            try context.parameters.decoded("id"), of: try context.parameters.decoded("team"), principal: context.principal,
            audit: context.audit)
        return Response(status: .noContent)
    }

    @Sendable func listPrices(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let prices = try await admin.prices(principal: context.principal, audit: context.audit)
        return try JSONOutput.response(ListView(data: prices.map(PriceView.init)))
    }

    @Sendable func setPrice(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let model = try context.parameters.decoded("model")
        let body = try await decode(PriceBody.self, request)
        let price = try ModelPrice(model: model, promptPer1K: body.promptPer1K, completionPer1K: body.completionPer1K)
        let saved = try await admin.setPrice(
            price, models: gateway.catalog.modelIDs, principal: context.principal, audit: context.audit)
        return try JSONOutput.response(PriceView(price: saved))
    }

    @Sendable func readAlerts(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let query = try query(request, allowing: ["team", "since", "until", "before", "limit"])
        // Alerts are written off the response path; wait for those raised before this request.
        await gateway.intrusion.settled()
        let alerts = try await admin.alerts(
            team: query["team"], since: try instant("since", query["since"]),
            until: try instant("until", query["until"]), before: try integer("before", query["before"]).map(Int64.init),
            limit: try integer("limit", query["limit"]) ?? 100, principal: context.principal, audit: context.audit)
        return try JSONOutput.response(ListView(data: alerts.map(AlertView.init)))
    }

    // MARK: Input

    /// The request's query parameters by name, refused (400 naming it) when one is not among
    /// `names` or is given twice: a filter the route does not know (`user=`, `key=`) was
    /// ignored and the answer read as filtered, a repeated one read first-wins (attack round 7).
    private func query(_ request: Request, allowing names: Set<String>) throws -> [String: String] {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            guard names.contains(name) else {
                var printable = String.UnicodeScalarView()
                for scalar in name.unicodeScalars.prefix(64) where (0x20..<0x7F).contains(scalar.value) {
                    printable.append(scalar)
                }
                let shown = String(printable)
                throw GatewayError.invalid(
                    "Unknown query parameter '\(shown)'; this route takes \(names.sorted().joined(separator: ", "))",
                    param: shown)
            }
            guard parameters.updateValue(String(value), forKey: name) == nil else {
                throw GatewayError.invalid("The query parameter '\(name)' is given twice", param: name)
            }
        }
        return parameters
    }

    private func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        try await JSONBody.decode(type, from: request, limit: maximumBodyBytes)
    }

    private func integer(_ name: String, _ text: String?) throws -> Int? {
        guard let text else { return nil }
        guard text.utf8.count <= 20, let value = Int(text) else {
            throw GatewayError.invalid("'\(name)' must be an integer", param: name)
        }
        return value
    }

    private func instant(_ name: String, _ text: String?) throws -> Date? {
        guard let text else { return nil }
        guard let date = Instant.parse(text) else {
            throw GatewayError.invalid("'\(name)' must be \(Instant.expected)", param: name)
        }
        return date
    }
}
