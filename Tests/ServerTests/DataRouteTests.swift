import AtriumTestSupport
import Foundation
import Gateway
import Hummingbird
import Testing

@Suite struct DataRouteTests {
    static var hello: [String: Any] { ["model": "test-model", "messages": [["role": "user", "content": "Hi"]]] }

    @Test func aChatCompletionHasTheOpenAIShapeWithSources() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            let answer = try await http.call(.post, "/v1/chat/completions", key: keys["bob"], json: Self.hello)
            #expect(answer.status == 200)
            let json = answer.json
            #expect((json["id"] as? String)?.hasPrefix("chatcmpl-") == true)
            #expect(json["object"] as? String == "chat.completion")
            #expect(json["model"] as? String == "test-model")
            #expect(json["created"] is Int)
            let choice = try #require((json["choices"] as? [[String: Any]])?.first)
            #expect((choice["message"] as? [String: Any])?["content"] as? String == "Hello, world.")
            #expect((choice["message"] as? [String: Any])?["role"] as? String == "assistant")
            #expect(choice["finish_reason"] as? String == "stop")
            #expect(json["usage"] as? [String: Int] == ["prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10])
            #expect((json["sources"] as? [Any])?.isEmpty == true)
            #expect(json["cached"] == nil)
            #expect(answer.headers[.init("x-request-id")!] != nil)
        }
    }

    @Test func streamingSendsExactOpenAIChunksUsageAndDone() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            var body = Self.hello
            body["stream"] = true
            body["stream_options"] = ["include_usage": true]
            let answer = try await http.call(.post, "/v1/chat/completions", key: keys["vic"], json: body)
            #expect(answer.status == 200)
            #expect(answer.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let events = answer.body.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.allSatisfy { $0.hasPrefix("data: ") })
            #expect(events.last == "data: [DONE]")
            let chunks = events.dropLast().map { event in
                (try? JSONSerialization.jsonObject(with: Data(event.dropFirst(6).utf8))) as? [String: Any] ?? [:]
            }
            #expect(chunks.count == 5)
            #expect(Set(chunks.compactMap { $0["id"] as? String }).count == 1)
            #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
            func delta(_ chunk: [String: Any]) -> [String: Any]? {
                ((chunk["choices"] as? [[String: Any]])?.first)?["delta"] as? [String: Any]
            }
            #expect(delta(chunks[0])?["role"] as? String == "assistant")
            #expect(delta(chunks[1])?["content"] as? String == "Hello")
            #expect(delta(chunks[2])?["content"] as? String == ", world.")
            #expect(((chunks[3]["choices"] as? [[String: Any]])?.first)?["finish_reason"] as? String == "stop")
            #expect((chunks[4]["choices"] as? [Any])?.isEmpty == true)
            #expect(chunks[4]["usage"] as? [String: Int] == ["prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10])
            #expect(chunks.dropLast().allSatisfy { $0["usage"] is NSNull })
        }
    }

    @Test func streamingWithoutIncludeUsageSendsNoUsageChunk() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            var body = Self.hello
            body["stream"] = true
            let answer = try await http.call(.post, "/v1/chat/completions", key: keys["vic"], json: body)
            let events = answer.body.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.count == 5)
            #expect(!answer.body.contains("\"usage\""))
        }
    }

    @Test func modelsListTheServedModelAndDefaultResolvesToIt() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            let models = try await http.call(.get, "/v1/models", key: keys["vic"])
            #expect(models.json["object"] as? String == "list")
            #expect(models.data.map { $0["id"] as? String } == ["test-model", WordHashEmbedder.modelID])
            let one = try await http.call(.get, "/v1/models/test-model", key: keys["vic"])
            #expect(one.json["id"] as? String == "test-model" && one.json["object"] as? String == "model", "\(one.body)")
            let alias = try await http.call(.get, "/v1/models/default", key: keys["vic"])
            #expect(alias.json["id"] as? String == "test-model", "\(alias.body)")
            let missing = try await http.call(.get, "/v1/models/gpt-4o", key: keys["vic"])
            #expect(missing.status == 404 && missing.errorCode == "model_not_found")
            var body = Self.hello
            body["model"] = "default"
            #expect(try await http.call(.post, "/v1/chat/completions", key: keys["bob"], json: body).status == 200)
            body["model"] = "gpt-4o"
            let unknown = try await http.call(.post, "/v1/chat/completions", key: keys["bob"], json: body)
            #expect(unknown.status == 404 && unknown.errorCode == "model_not_found")
        }
    }

    @Test func queryAnswersAndRefusesAnotherTeam() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            let answer = try await http.call(.post, "/query", key: keys["bob"], json: ["prompt": "Hi", "team": "acme/sales"])
            #expect(answer.status == 200)
            #expect(answer.json["response"] as? String == "Hello, world.")
            #expect((answer.json["sources"] as? [Any])?.isEmpty == true)
            let foreign = try await http.call(.post, "/query", key: keys["bob"], json: ["prompt": "Hi", "team": "development"])
            #expect(foreign.status == 403 && foreign.errorCode == "cross_team_attempt")
            // A field /query does not read is refused by name, not answered as if absent.
            for field in ["stream", "stop", "n"] {
                let unread = try await http.call(.post, "/query", key: keys["bob"], json: ["prompt": "Hi", field: true])
                #expect(unread.status == 400 && (unread.json["error"] as? [String: Any])?["param"] as? String == field, "\(unread.body)")
            }
        }
        let denial = try #require(try await world.auditRecords().first { $0.reason == "cross_team_attempt" })
        #expect(denial.query == "Hi" && denial.resource == "team:development")
    }

    @Test func theProfileShapesChatsAndChangesApplyToTheNextRequest() async throws {
        let backend = ScriptedBackend()
        let world = try ServerWorld.make(backend: backend)
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            let saved = try await http.call(
                .put, "/v1/admin/teams/sales/profile", key: keys["alice"],
                json: ["system_prompt": "Respond as a sales expert. Team {{team}} of {{org}} for {{user}}.", "max_tokens": 40])
            #expect(saved.status == 200 && saved.json["version"] as? Int == 1)
            _ = try await http.call(.post, "/v1/chat/completions", key: keys["bob"], json: Self.hello)
            _ = try await http.call(
                .put, "/v1/admin/teams/sales/profile", key: keys["alice"], json: ["system_prompt": "Be brief.", "max_tokens": 5])
            _ = try await http.call(.post, "/v1/chat/completions", key: keys["bob"], json: Self.hello)
        }
        let requests = backend.requests
        #expect(requests.count == 2)
        #expect(requests[0].messages.first?.content == "Respond as a sales expert. Team sales of acme for bob.")
        #expect(requests[0].sampling.maxTokens == 40)
        #expect(requests[1].messages.first?.content == "Be brief.")
        #expect(requests[1].sampling.maxTokens == 5)
    }

    @Test func everyRequestLeavesOneAuditRecordReadableByItsTeamAdmin() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            _ = try await http.call(.post, "/v1/chat/completions", key: keys["bob"], json: Self.hello)
            _ = try await http.call(.post, "/v1/chat/completions", key: keys["carol"], json: Self.hello)
            _ = try await http.call(.post, "/v1/chat/completions", key: keys["revoked"], json: Self.hello)
            await world.writer.flush()
            let salesAudit = try await http.call(.get, "/v1/admin/audit?team=sales", key: keys["alice"])
            #expect(salesAudit.status == 200)
            let records = salesAudit.data
            #expect(records.allSatisfy { $0["team_id"] as? String == keys.ids["sales"] })
            let chats = records.filter { $0["action"] as? String == "chat" && $0["decision"] as? String == "allow" }
            #expect(chats.count == 1)
            #expect(records.contains { $0["reason"] as? String == "revoked_key" }, "a team admin sees refused uses of its keys")
            #expect(chats.first?["query"] as? String == "Hi")
            #expect(chats.first?["prompt_tokens"] as? Int == 7)
            let foreign = try await http.call(.get, "/v1/admin/audit?team=development", key: keys["alice"])
            #expect(foreign.status == 404)
            let everything = try await http.call(.get, "/v1/admin/audit?limit=1000", key: keys["owner"])
            #expect(everything.data.contains { $0["reason"] as? String == "revoked_key" })
            let usage = try await http.call(.get, "/v1/admin/usage?team=sales", key: keys["alice"])
            #expect(usage.data.map { $0["total_tokens"] as? Int } == [10])
        }
    }
}
