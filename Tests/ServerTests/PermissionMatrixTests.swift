import AtriumTestSupport
import Foundation
import Hummingbird
import Server
import Synchronization
import Testing

/// Every route × keys of every role, of another team and organization, expired, revoked and
/// missing: the observed status must equal the roles table of DESIGN §4 (with another
/// tenant's resources answering 404, as if they did not exist).
@Suite struct PermissionMatrixTests {
    static let holders = ["owner", "dave", "erin", "alice", "bob", "vic", "carol"]

    /// Statuses in the order of ``holders``: owner, acme admin, globex admin, sales admin,
    /// sales member, sales viewer, development admin.
    static let expected: [String: [Int]] = [
        "listModels": [403, 403, 403, 200, 200, 200, 200],
        "retrieveModel": [403, 403, 403, 200, 200, 200, 200],
        "chatCompletions": [403, 403, 403, 200, 200, 200, 200],
        "query": [403, 403, 403, 200, 200, 200, 200],
        "queryNamingSales": [403, 403, 403, 200, 200, 200, 403],
        "createEmbeddings": [403, 403, 403, 200, 200, 200, 200],
        "createCollection": [403, 403, 403, 201, 201, 403, 201],
        "listCollections": [403, 403, 403, 200, 200, 200, 200],
        "deleteCollection": [403, 403, 403, 200, 200, 403, 404],
        "addDocument": [403, 403, 403, 201, 201, 403, 404],
        "listDocuments": [403, 403, 403, 200, 200, 200, 404],
        "deleteDocument": [403, 403, 403, 200, 200, 403, 404],
        "searchCollection": [403, 403, 403, 200, 200, 200, 404],
        "createOrganization": [201, 403, 403, 403, 403, 403, 403],
        "listOrganizations": [200, 200, 200, 403, 403, 403, 403],
        "createTeam": [201, 201, 404, 403, 403, 403, 403],
        "listTeams": [200, 200, 404, 200, 403, 403, 200],
        "appointOrganizationAdmin": [200, 403, 404, 403, 403, 403, 403],
        "removeOrganizationAdmin": [204, 403, 404, 403, 403, 403, 403],
        "createUser": [201, 201, 201, 201, 403, 403, 201],
        "addOrganizationUser": [200, 200, 404, 403, 403, 403, 403],
        "removeOrganizationUser": [204, 204, 404, 403, 403, 403, 403],
        "setMember": [200, 200, 404, 200, 403, 403, 404],
        "removeMember": [204, 204, 404, 204, 403, 403, 404],
        "listMembers": [200, 200, 404, 200, 403, 403, 404],
        "issueKey": [201, 201, 404, 201, 403, 403, 404],
        "listKeys": [200, 200, 404, 200, 403, 403, 404],
        "revokeKey": [200, 200, 404, 200, 403, 403, 404],
        "rotateKey": [200, 200, 404, 200, 403, 403, 404],
        "readProfile": [403, 200, 404, 200, 403, 403, 404],
        "saveProfile": [403, 200, 404, 200, 403, 403, 404],
        "readLimits": [200, 200, 404, 200, 403, 403, 404],
        "setLimits": [200, 200, 404, 403, 403, 403, 404],
        "readAudit": [200, 200, 404, 200, 403, 403, 404],
        "readUsage": [200, 200, 404, 200, 403, 403, 404],
        "verifyAudit": [200, 403, 403, 403, 403, 403, 403],
        "metrics": [200, 403, 403, 403, 403, 403, 403],
        "readUsageGrouped": [200, 200, 404, 200, 403, 403, 404],
        "readAlerts": [200, 200, 404, 200, 403, 403, 404],
        "createAlertDestination": [201, 201, 404, 201, 403, 403, 404],
        "listAlertDestinations": [200, 200, 404, 200, 403, 403, 200],
        "deleteAlertDestination": [204, 204, 404, 204, 403, 403, 404],
        "createPlatformAlertDestination": [201, 403, 403, 403, 403, 403, 403],
        "listPlatformAlertDestinations": [200, 403, 403, 403, 403, 403, 403],
        "deletePlatformAlertDestination": [204, 403, 403, 403, 403, 403, 403],
        "readSingleSignOnMappings": [200, 200, 404, 403, 403, 403, 403],
        "saveSingleSignOnMappings": [200, 200, 404, 403, 403, 403, 403],
        "readBudgets": [200, 200, 404, 200, 403, 403, 404],
        // The team's own budget: like its limits, never set by the team itself.
        "setBudget": [200, 200, 404, 403, 403, 403, 404],
        // A member's budget: its team admin too.
        "setMemberBudget": [200, 200, 404, 200, 403, 403, 404],
        "deleteBudget": [204, 204, 404, 204, 403, 403, 404],
        "listPrices": [200, 403, 403, 403, 403, 403, 403],
        "setPrice": [200, 403, 403, 403, 403, 403, 403],
    ]

    struct Call {
        let method: HTTPRequest.Method
        let path: String
        let body: [String: Any]?
    }

    /// The request a cell sends, after preparing what it needs (a fresh user, member, key).
    static func call(_ name: String, http: HTTPCaller, scenario: Scenario, serial: Int) async throws -> Call {
        let owner = scenario["owner"]
        let chat: [String: Any] = ["messages": [["role": "user", "content": "Hi"]]]
        let hook = "http://127.0.0.1:9/hook"
        /// Sales' collection `handbook` (made by its admin the first time; 409 after that).
        func salesHandbook() async throws {
            _ = try await http.call(.post, "/v1/collections", key: scenario["alice"], json: ["name": "handbook"])
        }
        func freshUser() async throws -> String {
            let name = "user\(serial)"
            _ = try await http.call(.post, "/v1/admin/users", key: owner, json: ["name": name, "org": "acme"])
            return name
        }
        switch name {
        case "listModels": return Call(method: .get, path: "/v1/models", body: nil)
        case "retrieveModel": return Call(method: .get, path: "/v1/models/test-model", body: nil)
        case "chatCompletions": return Call(method: .post, path: "/v1/chat/completions", body: chat)
        case "query": return Call(method: .post, path: "/query", body: ["prompt": "Hi"])
        case "queryNamingSales": return Call(method: .post, path: "/query", body: ["prompt": "Hi", "team": "acme/sales"])
        case "createEmbeddings": return Call(method: .post, path: "/v1/embeddings", body: ["input": "Hi"])
        case "createCollection": return Call(method: .post, path: "/v1/collections", body: ["name": "made\(serial)"])
        case "listCollections": return Call(method: .get, path: "/v1/collections", body: nil)
        case "deleteCollection":
            _ = try await http.call(.post, "/v1/collections", key: scenario["alice"], json: ["name": "gone\(serial)"])
            return Call(method: .delete, path: "/v1/collections/gone\(serial)", body: nil)
        case "addDocument":
            try await salesHandbook()
            return Call(
                method: .post, path: "/v1/collections/handbook/documents",
                body: ["name": "doc\(serial).txt", "text": "Quarterly numbers \(serial)."])
        case "listDocuments":
            try await salesHandbook()
            return Call(method: .get, path: "/v1/collections/handbook/documents", body: nil)
        case "deleteDocument":
            try await salesHandbook()
            let added = try await http.call(
                .post, "/v1/collections/handbook/documents", key: scenario["alice"],
                json: ["name": "gone\(serial).txt", "text": "Soon deleted \(serial)."])
            return Call(
                method: .delete, path: "/v1/collections/handbook/documents/\(added.json["id"] as? String ?? "missing")",
                body: nil)
        case "searchCollection":
            try await salesHandbook()
            return Call(method: .post, path: "/v1/collections/handbook/search", body: ["query": "quarterly numbers"])
        case "createOrganization": return Call(method: .post, path: "/v1/admin/orgs", body: ["name": "org\(serial)"])
        case "listOrganizations": return Call(method: .get, path: "/v1/admin/orgs", body: nil)
        case "createTeam": return Call(method: .post, path: "/v1/admin/orgs/acme/teams", body: ["name": "team\(serial)"])
        case "listTeams": return Call(method: .get, path: "/v1/admin/orgs/acme/teams", body: nil)
        case "appointOrganizationAdmin":
            return Call(method: .put, path: "/v1/admin/orgs/acme/admins/\(try await freshUser())", body: nil)
        case "removeOrganizationAdmin":
            let user = try await freshUser()
            _ = try await http.call(.put, "/v1/admin/orgs/acme/admins/\(user)", key: owner)
            return Call(method: .delete, path: "/v1/admin/orgs/acme/admins/\(user)", body: nil)
        case "createUser": return Call(method: .post, path: "/v1/admin/users", body: ["name": "made\(serial)"])
        case "setMember":
            return Call(method: .put, path: "/v1/admin/teams/acme%2Fsales/members/\(try await freshUser())", body: ["role": "member"])
        case "removeMember":
            let user = try await freshUser()
            _ = try await http.call(.put, "/v1/admin/teams/acme%2Fsales/members/\(user)", key: owner, json: ["role": "member"])
            return Call(method: .delete, path: "/v1/admin/teams/acme%2Fsales/members/\(user)", body: nil)
        case "listMembers": return Call(method: .get, path: "/v1/admin/teams/acme%2Fsales/members", body: nil)
        case "issueKey":
            return Call(method: .post, path: "/v1/admin/keys", body: ["user": "bob", "team": "acme/sales", "role": "viewer"])
        case "rotateKey":
            let key = try await http.call(
                .post, "/v1/admin/keys", key: owner, json: ["user": "bob", "team": "acme/sales", "role": "viewer"])
            return Call(
                method: .post, path: "/v1/admin/keys/\(key.json["id"] as? String ?? "missing")/rotate",
                body: ["grace_seconds": 60])
        case "addOrganizationUser":
            return Call(method: .put, path: "/v1/admin/orgs/acme/users/\(try await freshUser())", body: nil)
        case "removeOrganizationUser":
            return Call(method: .delete, path: "/v1/admin/orgs/acme/users/\(try await freshUser())", body: nil)
        case "listKeys": return Call(method: .get, path: "/v1/admin/keys?team=acme/sales", body: nil)
        case "revokeKey":
            let key = try await http.call(
                .post, "/v1/admin/keys", key: owner, json: ["user": "bob", "team": "acme/sales", "role": "viewer"])
            return Call(method: .delete, path: "/v1/admin/keys/\(key.json["id"] as? String ?? "missing")", body: nil)
        case "readProfile": return Call(method: .get, path: "/v1/admin/teams/acme%2Fsales/profile", body: nil)
        case "saveProfile":
            return Call(method: .put, path: "/v1/admin/teams/acme%2Fsales/profile", body: ["system_prompt": "Respond as a sales expert."])
        case "readLimits": return Call(method: .get, path: "/v1/admin/teams/acme%2Fsales/limits", body: nil)
        case "setLimits": return Call(method: .put, path: "/v1/admin/teams/acme%2Fsales/limits", body: ["requests_per_minute": 60])
        case "readAudit": return Call(method: .get, path: "/v1/admin/audit?team=acme/sales", body: nil)
        case "verifyAudit": return Call(method: .get, path: "/v1/admin/audit/verify", body: nil)
        case "readUsage": return Call(method: .get, path: "/v1/admin/usage?team=acme/sales", body: nil)
        case "metrics": return Call(method: .get, path: "/metrics", body: nil)
        case "readUsageGrouped": return Call(method: .get, path: "/v1/admin/usage?team=acme/sales&group_by=key", body: nil)
        case "readAlerts": return Call(method: .get, path: "/v1/admin/alerts?team=acme/sales", body: nil)
        case "createAlertDestination":
            return Call(method: .post, path: "/v1/admin/orgs/acme/alert-destinations", body: ["url": hook, "teams": ["sales"]])
        case "listAlertDestinations": return Call(method: .get, path: "/v1/admin/orgs/acme/alert-destinations", body: nil)
        case "deleteAlertDestination":
            let made = try await http.call(
                .post, "/v1/admin/orgs/acme/alert-destinations", key: owner, json: ["url": hook, "teams": ["sales"]])
            return Call(
                method: .delete, path: "/v1/admin/orgs/acme/alert-destinations/\(made.json["id"] as? String ?? "missing")",
                body: nil)
        case "createPlatformAlertDestination":
            return Call(method: .post, path: "/v1/admin/alert-destinations", body: ["url": hook])
        case "listPlatformAlertDestinations": return Call(method: .get, path: "/v1/admin/alert-destinations", body: nil)
        case "deletePlatformAlertDestination":
            let made = try await http.call(.post, "/v1/admin/alert-destinations", key: owner, json: ["url": hook])
            return Call(
                method: .delete, path: "/v1/admin/alert-destinations/\(made.json["id"] as? String ?? "missing")", body: nil)
        case "readSingleSignOnMappings": return Call(method: .get, path: "/v1/admin/orgs/acme/sso/mappings", body: nil)
        case "saveSingleSignOnMappings":
            return Call(
                method: .put, path: "/v1/admin/orgs/acme/sso/mappings",
                body: ["mappings": [["group": "sales-eng", "team": "sales", "role": "member"]]])
        case "readBudgets": return Call(method: .get, path: "/v1/admin/teams/acme%2Fsales/budgets", body: nil)
        case "setBudget":
            return Call(method: .put, path: "/v1/admin/teams/acme%2Fsales/budgets", body: ["unit": "tokens", "amount": 100_000])
        case "setMemberBudget":
            return Call(
                method: .put, path: "/v1/admin/teams/acme%2Fsales/budgets",
                body: ["user": "bob", "unit": "cost", "amount": "12.50"])
        case "deleteBudget":
            let made = try await http.call(
                .put, "/v1/admin/teams/acme%2Fsales/budgets", key: owner,
                json: ["user": "vic", "unit": "tokens", "amount": 1000 + serial])
            return Call(
                method: .delete, path: "/v1/admin/teams/acme%2Fsales/budgets/\(made.json["id"] as? String ?? "missing")",
                body: nil)
        case "listPrices": return Call(method: .get, path: "/v1/admin/prices", body: nil)
        case "setPrice":
            return Call(
                method: .put, path: "/v1/admin/prices/test-model", body: ["prompt_per_1k": "0.15", "completion_per_1k": 0.6])
        default: throw ScenarioError.unexpected("unknown cell \(name)", 0, "")
        }
    }

    @Test func everyAuthenticatedRouteIsInTheMatrix() {
        let routes = Set(AtriumRoute.allCases.filter(\.isAuthenticated).map(\.rawValue))
        #expect(routes.isSubset(of: Set(Self.expected.keys)))
    }

    @Test func observedStatusesEqualTheRolesTable() async throws {
        let world = try ServerWorld.make()
        let calls = Mutex(0)
        let before = try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            await world.writer.flush()
            let before = try await world.auditRecords().count
            var serial = 0
            for name in Self.expected.keys.sorted() {
                for (column, holder) in (Self.holders + ["expired", "revoked", "none"]).enumerated() {
                    serial += 1
                    let setupBefore = try await world.auditRecords().count
                    let call = try await Self.call(name, http: http, scenario: scenario, serial: serial)
                    let setupCalls = try await world.auditRecords().count - setupBefore
                    let key = holder == "none" ? nil : scenario[holder]
                    let answer = try await http.call(call.method, call.path, key: key, json: call.body)
                    calls.withLock { $0 += setupCalls + 1 }
                    let written = try await world.auditRecords().count - setupBefore - setupCalls
                    #expect(written == 1, "\(name) with \(holder)'s key left \(written) audit records")
                    let want = column < Self.holders.count ? Self.expected[name]![column] : 401
                    #expect(answer.status == want, "\(name) with \(holder)'s key: \(answer.status) \(answer.body)")
                    if answer.status >= 400 { #expect(answer.isOpenAIError) }
                }
            }
            return before
        }
        let after = try await world.auditRecords().count
        #expect(after - before == calls.withLock { $0 }, "one audit record per authenticated request")
    }

    @Test func openRoutesAnswerEveryone() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            for path in ["/healthz", "/readyz", "/openapi.json"] {
                let open = try await http.call(.get, path)
                let withBadKey = try await http.call(.get, path, key: "garbage")
                #expect(open.status == 200 && withBadKey.status == 200, "\(path)")
            }
        }
    }
}
