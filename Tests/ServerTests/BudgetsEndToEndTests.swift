import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Testing

/// `atrium serve` with the real SmolLM2 model, over real HTTP: a team budget of 1000 tokens
/// serves chats until the next one's worst case no longer fits, then answers 429
/// `insufficient_quota`; the spend passes 80 % on the way and raises one warning alert; what
/// remains shows in `GET …/limits`, agrees with the usage report, and is in `/metrics`.
@Suite(.serialized) struct BudgetsEndToEndTests {
    /// `atrium serve` with the real model and acme/sales, sam its admin: the server, a client,
    /// the owner's key and sam's.
    static func salesServer() async throws -> (ServerProcess, LiveClient, String, String) {
        let model = try #require(EmbeddedModelEndToEndTests.modelPath, "SmolLM2 not fetched (scripts/fetch-models)")
        let server = try await ServerProcess(upstream: nil, extraArguments: ["--model", model, "--threads", "2"])
        let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)
        let owner = server.ownerKey
        #expect(try await http.call("POST", "/v1/admin/orgs", key: owner, json: ["name": "acme"]).status == 201)
        #expect(try await http.call("POST", "/v1/admin/orgs/acme/teams", key: owner, json: ["name": "sales"]).status == 201)
        #expect(try await http.call("POST", "/v1/admin/users", key: owner, json: ["name": "sam"]).status == 201)
        #expect(try await http.call("PUT", "/v1/admin/teams/acme%2Fsales/members/sam", key: owner, json: ["role": "admin"]).status == 200)
        let issued = try await http.call("POST", "/v1/admin/keys", key: owner, json: ["user": "sam", "team": "acme/sales"])
        return (server, http, owner, try #require(issued.json["key"] as? String))
    }

    @Test func aTokenBudgetServesUntilSpentThenAnswersInsufficientQuota() async throws {
        let (server, http, owner, sam) = try await Self.salesServer()
        #expect(try await http.call(
            "PUT", "/v1/admin/teams/sales/profile", key: sam,
            json: ["system_prompt": "Answer in one word.", "max_tokens": 8, "temperature": 0]).status == 200)
        let set = try await http.call(
            "PUT", "/v1/admin/teams/acme%2Fsales/budgets", key: owner, json: ["unit": "tokens", "amount": 1000])
        #expect(set.status == 200 && set.json["remaining"] as? Int == 1000, "\(set.body)")

        var served = 0
        var usedTokens = 0
        var refusal: HTTPAnswerLive?
        var attempt = 0
        while refusal == nil, attempt < 200 {
            attempt += 1
            // A new question each time: a repeated deterministic one is answered by the team's
            // response cache, which spends no budget.
            let chat = try await http.call(
                "POST", "/v1/chat/completions", key: sam,
                json: ["messages": [["role": "user", "content": "Say hello to visitor \(attempt)."]]])
            if chat.status == 200 {
                served += 1
                usedTokens += (chat.json["usage"] as? [String: Any])?["total_tokens"] as? Int ?? 0
            } else if chat.status == 429, chat.headers["retry-after"] == "1" {
                // The last request's worst case is still held while its settlement commits.
                try await Task.sleep(for: .milliseconds(200))
            } else {
                refusal = chat
            }
        }
        let refused = try #require(refusal, "served \(served) chats, \(usedTokens) tokens, no refusal")
        #expect(refused.status == 429, "\(refused.body)")
        let error = refused.json["error"] as? [String: Any] ?? [:]
        #expect(error["type"] as? String == "insufficient_quota" && error["code"] as? String == "budget_exhausted")
        let message = error["message"] as? String ?? ""
        #expect(message.contains("The team's monthly budget of 1000 tokens") && message.contains("resets at"), "\(message)")
        #expect((Int(refused.headers["retry-after"] ?? "") ?? 0) > 1)
        #expect(served > 5 && usedTokens <= 1000, "served \(served) chats, \(usedTokens) tokens")

        let limits = try await http.call("GET", "/v1/admin/teams/sales/limits", key: sam)
        let budget = try #require((limits.json["budgets"] as? [[String: Any]])?.first, "\(limits.body)")
        #expect(budget["spent"] as? Int == usedTokens, "\(budget)")
        #expect(budget["reserved"] as? Int == 0 && budget["remaining"] as? Int == 1000 - usedTokens)
        let usage = try await http.call("GET", "/v1/admin/usage?team=acme/sales", key: sam)
        #expect(usage.data.reduce(0) { $0 + ($1["total_tokens"] as? Int ?? 0) } == usedTokens, "usage and budget agree")
        #expect((usage.json["budgets"] as? [[String: Any]])?.first?["remaining"] as? Int == 1000 - usedTokens)

        let alerts = try await http.call("GET", "/v1/admin/alerts", key: sam)
        let warnings = alerts.data.filter { $0["kind"] as? String == "budget_warning" }
        #expect(warnings.count == 1, "\(alerts.body)")
        #expect((warnings.first?["detail"] as? String)?.contains("passed 80%") == true)

        let metrics = try await http.call("GET", "/metrics", key: owner)
        let remaining = metrics.body.split(separator: "\n").first { $0.hasPrefix("atrium_budget_remaining{") }
        #expect(remaining?.hasSuffix(" \(1000 - usedTokens)") == true || remaining?.hasSuffix(" \(1000 - usedTokens).0") == true,
                "\(String(describing: remaining))")

        #expect(await server.stop() == 0)
        #expect(!server.log.contains("Say hello to visitor"), "no prompt text in the process log")
    }

    /// A stream the client hangs up on was once free: recorded with 0 tokens and its budget
    /// hold released. Cut off by `curl --max-time` mid-answer, it is charged the prompt and the
    /// pieces generated, in the audit (flagged `stream.cancelled`) and in the budget alike.
    @Test func aStreamTheClientHangsUpOnIsChargedForWhatItGenerated() async throws {
        let (server, http, owner, sam) = try await Self.salesServer()
        #expect(try await http.call(
            "PUT", "/v1/admin/teams/sales/profile", key: sam, json: ["max_tokens": 3000, "temperature": 0.9]).status == 200)
        #expect(try await http.call(
            "PUT", "/v1/admin/teams/acme%2Fsales/budgets", key: owner, json: ["unit": "tokens", "amount": 100_000]).status == 200)

        var cutOff = false
        for attempt in 1...3 where !cutOff {
            let body = #"{"stream":true,"max_tokens":3000,"messages":[{"role":"user","content":"Write a very long story about dragon number \#(attempt)."}]}"#
            let run = try await ProgramRun.run([
                "curl", "-sN", "--max-time", "1.5", server.baseURL + "/v1/chat/completions",
                "-H", "Authorization: Bearer \(sam)", "-d", body,
            ])
            cutOff = run.output.contains("data:") && !run.output.contains("[DONE]")
        }
        #expect(cutOff, "every answer ended within 1.5 s")
        var record: [String: Any]?
        for _ in 0..<200 where record == nil {
            let audit = try await http.call("GET", "/v1/admin/audit?team=acme/sales&limit=10", key: owner)
            record = audit.data.first { ($0["flags"] as? [String])?.contains("stream.cancelled") == true }
            if record == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let cancelled = try #require(record, "no record of the cut-off stream")
        let prompt = cancelled["prompt_tokens"] as? Int ?? 0
        let completion = cancelled["completion_tokens"] as? Int ?? 0
        #expect(prompt > 0 && completion > 0, "\(cancelled)")
        let limits = try await http.call("GET", "/v1/admin/teams/sales/limits", key: sam)
        let budget = try #require((limits.json["budgets"] as? [[String: Any]])?.first, "\(limits.body)")
        #expect(budget["spent"] as? Int ?? 0 >= prompt + completion, "\(budget)")
        #expect(await server.stop() == 0)
    }
}
