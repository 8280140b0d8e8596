import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Testing

/// `atrium serve --upstream` in front of the mock upstream, driven over real HTTP from an
/// empty database to a chat with every key and every cross-team attempt denied and audited.
@Suite(.serialized) struct EndToEndTests {
    @Test func ownerToTeamsToChatsWithEveryCrossTeamAttemptDeniedAndAudited() async throws {
        let mock = try MockUpstream()
        let server = try await ServerProcess(upstream: mock.baseURL, extraArguments: ["--model", "mock"])
        let client = HTTPClient.shared
        let http = LiveClient(baseURL: server.baseURL, client: client)
        let owner = server.ownerKey
        #expect(owner.hasPrefix("atr_"), "the owner key is printed once on stderr")
        #expect(try await http.call("GET", "/healthz").status == 200)

        // owner → org → teams → users → memberships → keys of each role
        #expect(try await http.call("POST", "/v1/admin/orgs", key: owner, json: ["name": "acme"]).status == 201)
        for team in ["sales", "development"] {
            #expect(try await http.call("POST", "/v1/admin/orgs/acme/teams", key: owner, json: ["name": team]).status == 201)
        }
        var keys: [String: String] = [:]
        var keyIDs: [String: String] = [:]
        let people = [
            ("sam", "sales", "admin"), ("sue", "sales", "member"), ("sid", "sales", "viewer"),
            ("dan", "development", "admin"), ("dora", "development", "member"), ("dev", "development", "viewer"),
        ]
        for (user, team, role) in people {
            #expect(try await http.call("POST", "/v1/admin/users", key: owner, json: ["name": user]).status == 201)
            let member = try await http.call("PUT", "/v1/admin/teams/acme%2F\(team)/members/\(user)", key: owner, json: ["role": role])
            #expect(member.status == 200, "\(member.body)")
            let issued = try await http.call("POST", "/v1/admin/keys", key: owner, json: ["user": user, "team": "acme/\(team)"])
            #expect(issued.status == 201, "\(issued.body)")
            keys[user] = issued.json["key"] as? String
            keyIDs[user] = issued.json["id"] as? String
        }
        let listed = try await http.call("GET", "/v1/admin/keys?team=acme/sales", key: keys["sam"])
        #expect(listed.data.count == 3)
        #expect(!listed.body.contains(keys["sue"]!), "listings never show a key")

        // profiles
        let profiles = [("sam", "sales", "Respond as a sales expert."), ("dan", "development", "Provide a technical explanation.")]
        for (admin, team, prompt) in profiles {
            let saved = try await http.call("PUT", "/v1/admin/teams/\(team)/profile", key: keys[admin], json: ["system_prompt": prompt])
            #expect(saved.status == 200 && saved.json["system_prompt"] as? String == prompt, "\(saved.body)")
        }

        // chat with each key, both forms
        for (user, _, _) in people {
            let chat = try await http.call(
                "POST", "/v1/chat/completions", key: keys[user],
                json: ["model": "mock", "messages": [["role": "user", "content": "Hello from \(user)"]]])
            #expect(chat.status == 200, "\(user): \(chat.body)")
            let message = ((chat.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"]
            #expect(message as? String == "Hello from the mock upstream.")
            let query = try await http.call("POST", "/query", key: keys[user], json: ["prompt": "Status?"])
            #expect(query.status == 200 && query.json["response"] as? String == "Hello from the mock upstream.")
        }
        let stream = try await http.call(
            "POST", "/v1/chat/completions", key: keys["sue"],
            json: ["model": "mock", "stream": true, "stream_options": ["include_usage": true],
                   "messages": [["role": "user", "content": "Stream please"]]])
        #expect(stream.status == 200)
        #expect(stream.body.hasPrefix("data: {") && stream.body.hasSuffix("data: [DONE]\n\n"))
        #expect(stream.body.contains(#""content":"Hello""#) && stream.body.contains(#""total_tokens":15"#))

        // every cross-team attempt: denied, and audited
        let sam = keys["sam"]!
        let attempts: [(String, String, [String: Any]?, Int, String)] = [
            ("POST", "/query", ["prompt": "Show me development's plans", "team": "acme/development"], 403, "sue"),
            ("GET", "/v1/admin/teams/acme%2Fdevelopment/profile", nil, 404, "sam"),
            ("PUT", "/v1/admin/teams/acme%2Fdevelopment/profile", ["system_prompt": "pwned"], 404, "sam"),
            ("GET", "/v1/admin/keys?team=acme/development", nil, 404, "sam"),
            ("POST", "/v1/admin/keys", ["user": "sam", "team": "acme/development", "role": "viewer"], 404, "sam"),
            ("DELETE", "/v1/admin/keys/\(keyIDs["dan"]!)", nil, 404, "sam"),
            ("PUT", "/v1/admin/teams/acme%2Fdevelopment/members/sue", ["role": "admin"], 404, "sam"),
            ("GET", "/v1/admin/audit?team=acme/development", nil, 404, "sam"),
            ("GET", "/v1/admin/usage?team=acme/sales", nil, 404, "dan"),
        ]
        for (method, path, body, status, holder) in attempts {
            let answer = try await http.call(method, path, key: holder == "sam" ? sam : keys[holder], json: body)
            #expect(answer.status == status, "\(method) \(path): \(answer.status) \(answer.body)")
        }
        #expect(try await http.call("GET", "/v1/admin/teams/development/profile", key: keys["dan"]).json["system_prompt"] as? String
            == "Provide a technical explanation.", "the attempt changed nothing")

        // the audit, read back: by the owner everything, by sales' admin only sales
        let audit = try await waitForAudit(http, owner: owner) { records in
            records.filter { $0["reason"] as? String == "cross_team_attempt" }.count >= attempts.count
        }
        let crossTeam = audit.filter { $0["reason"] as? String == "cross_team_attempt" }
        #expect(crossTeam.count == attempts.count)
        #expect(crossTeam.allSatisfy { $0["decision"] as? String == "deny" })
        #expect(crossTeam.contains { $0["query"] as? String == "Show me development's plans" })
        let chats = audit.filter { $0["action"] as? String == "chat" && $0["decision"] as? String == "allow" }
        #expect(chats.count == people.count * 2 + 1)
        let salesView = try await http.call("GET", "/v1/admin/audit?limit=1000", key: sam)
        let salesTeamID = (try await http.call("GET", "/v1/admin/teams/sales/profile", key: sam)).status == 200
        #expect(salesTeamID)
        let teamIDs = Set(salesView.data.compactMap { $0["team_id"] as? String })
        #expect(teamIDs.count == 1, "a team admin sees only its team's records")

        // revocation applies to the very next request
        #expect(try await http.call("DELETE", "/v1/admin/keys/\(keyIDs["sid"]!)", key: sam).status == 200)
        #expect(try await http.call("GET", "/v1/models", key: keys["sid"]).status == 401)

        // a graceful stop writes every record, and the chain verifies
        let lastRequest = try await http.call("GET", "/v1/models", key: keys["sue"])
        #expect(lastRequest.status == 200)
        #expect(await server.stop() == 0)
        let (status, printed) = try await auditVerify(home: server.home)
        #expect(status == 0, "\(printed)")
        #expect(printed.contains("intact"))
        #expect(!server.log.contains(keys["sue"]!) && !server.log.contains("Hello from sue"), "no key or prompt in the log")

        // someone with file access edits a record: verify names it and exits 1
        let tamper = try await ProgramRun.run([
            "python3", "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('DROP TRIGGER audit_records_no_update'); "
                + "c.execute(\"UPDATE audit_records SET decision = 'allow', reason = NULL WHERE reason = 'cross_team_attempt'\"); c.commit()",
            server.home.appendingPathComponent("atrium.sqlite").path,
        ])
        #expect(tamper.status == 0, "\(tamper.output)")
        let (brokenStatus, brokenOutput) = try await auditVerify(home: server.home)
        #expect(brokenStatus == 1)
        #expect(brokenOutput.contains("BROKEN") && brokenOutput.contains("was altered"), "\(brokenOutput)")
    }

    private func auditVerify(home: URL) async throws -> (Int32, String) {
        let verify = try await ProgramRun.run(
            [ServerProcess.binary.path, "audit", "verify"], environment: ["ATRIUM_HOME": home.path], separateErrors: true)
        return (verify.status, verify.output)
    }

    private func waitForAudit(
        _ http: LiveClient, owner: String, until done: ([[String: Any]]) -> Bool
    ) async throws -> [[String: Any]] {
        var records: [[String: Any]] = []
        for _ in 0..<600 {  // up to ~30 s: the suites share two cores
            records = try await http.call("GET", "/v1/admin/audit?limit=1000", key: owner).data
            if done(records) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return records
    }
}
