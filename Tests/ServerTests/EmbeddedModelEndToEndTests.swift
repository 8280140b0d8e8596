import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Testing

/// `atrium serve` with the embedded engine (the real SmolLM2 GGUF, no upstream), over real
/// HTTP: two teams with their profiles chat through the one shared model, non-streaming and
/// streaming, and a cross-team attempt is denied and audited.
@Suite(.serialized) struct EmbeddedModelEndToEndTests {
    static var modelPath: String? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let home = ProcessInfo.processInfo.environment["ATRIUM_HOME"] ?? root.appendingPathComponent(".atrium").path
        let path = "\(home)/models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    @Test func teamsChatWithTheRealModelThroughOneSharedEngine() async throws {
        let model = try #require(Self.modelPath, "SmolLM2 not fetched (scripts/fetch-models)")
        let server = try await ServerProcess(upstream: nil, extraArguments: ["--model", model, "--threads", "2"])
        let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)
        let owner = server.ownerKey

        #expect(try await http.call("POST", "/v1/admin/orgs", key: owner, json: ["name": "acme"]).status == 201)
        var keys: [String: String] = [:]
        for (team, admin, prompt) in [("sales", "sam", "Respond as a sales expert."),
                                      ("development", "dan", "Provide a technical explanation.")] {
            #expect(try await http.call("POST", "/v1/admin/orgs/acme/teams", key: owner, json: ["name": team]).status == 201)
            #expect(try await http.call("POST", "/v1/admin/users", key: owner, json: ["name": admin]).status == 201)
            #expect(try await http.call("PUT", "/v1/admin/teams/acme%2F\(team)/members/\(admin)", key: owner,
                                        json: ["role": "admin"]).status == 200)
            let issued = try await http.call("POST", "/v1/admin/keys", key: owner, json: ["user": admin, "team": "acme/\(team)"])
            keys[team] = try #require(issued.json["key"] as? String)
            let saved = try await http.call("PUT", "/v1/admin/teams/\(team)/profile", key: keys[team],
                                            json: ["system_prompt": prompt, "max_tokens": 24, "temperature": 0])
            #expect(saved.status == 200, "\(saved.body)")
        }

        let models = try await http.call("GET", "/v1/models", key: keys["sales"])
        #expect(models.body.contains("SmolLM2-135M-Instruct.Q4_1"), "\(models.body)")

        // Both teams at once: the engine batches them.
        let salesKey = keys["sales"]!, developmentKey = keys["development"]!
        async let salesChat = http.call("POST", "/v1/chat/completions", key: salesKey,
                                        json: ["model": "default", "messages": [["role": "user", "content": "What do you sell?"]]])
        async let developmentChat = http.call("POST", "/v1/chat/completions", key: developmentKey,
                                              json: ["model": "default", "messages": [["role": "user", "content": "What is a CPU?"]]])
        for chat in [try await salesChat, try await developmentChat] {
            #expect(chat.status == 200, "\(chat.body)")
            let choice = (chat.json["choices"] as? [[String: Any]])?.first
            let content = (choice?["message"] as? [String: Any])?["content"] as? String
            #expect(!(content ?? "").isEmpty)
            let usage = chat.json["usage"] as? [String: Any]
            #expect((usage?["prompt_tokens"] as? Int ?? 0) > 10, "the profile's system prompt is part of the prompt")
            #expect((usage?["completion_tokens"] as? Int ?? 0) <= 24, "the team's max_tokens caps the reply")
            let details = usage?["prompt_tokens_details"] as? [String: Any]
            #expect(details?["cached_tokens"] as? Int == 0, "each team's first request computes its whole prompt")
        }

        let stream = try await http.call("POST", "/v1/chat/completions", key: keys["development"],
                                         json: ["model": "default", "stream": true, "stream_options": ["include_usage": true],
                                                "messages": [["role": "user", "content": "Say hello."]]])
        #expect(stream.status == 200)
        #expect(stream.body.hasPrefix("data: {") && stream.body.hasSuffix("data: [DONE]\n\n"), "\(stream.body)")
        #expect(stream.body.contains(#""finish_reason":"#) && stream.body.contains(#""completion_tokens":"#))
        // Development's second request starts from the states of its first (the same system
        // prompt and turn header), and says so as OpenAI does.
        let cached = try #require(stream.body.firstMatch(of: /"cached_tokens":(\d+)/).flatMap { Int($0.1) }, "\(stream.body)")
        #expect(cached > 10)

        let query = try await http.call("POST", "/query", key: keys["sales"], json: ["prompt": "Give me a pitch."])
        #expect(query.status == 200 && !((query.json["response"] as? String) ?? "").isEmpty, "\(query.body)")
        let crossTeam = try await http.call("POST", "/query", key: keys["sales"],
                                            json: ["prompt": "Show me development's plans", "team": "acme/development"])
        #expect(crossTeam.status == 403)

        #expect(await server.stop() == 0)
        #expect(!server.log.contains("What do you sell?"), "no prompt text in the process log")
    }

    /// `response_format` `json_object` through the real path: the same greedy question answered
    /// as text (the model wraps its JSON in a Markdown fence) and as JSON (one object, nothing
    /// around it, streamed or not) — and the response cache keeps the two apart. `logit_bias`
    /// reaches the engine, and names a token the model lacks → 400.
    @Test func jsonModeAndLogitBiasThroughTheRealEngine() async throws {
        let model = try #require(Self.modelPath, "SmolLM2 not fetched (scripts/fetch-models)")
        let server = try await ServerProcess(upstream: nil, extraArguments: ["--model", model, "--threads", "2"])
        let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)
        let owner = server.ownerKey
        let key = try await http.memberKey(owner: owner, team: "finance", user: "fay")
        let question: [String: Any] = [
            "model": "default", "temperature": 0, "max_tokens": 120,
            "messages": [["role": "user", "content": "Describe a cat as JSON with the keys name, age and colour."]],
        ]
        func content(_ answer: HTTPAnswerLive) -> String? {
            ((answer.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
        }

        let text = try await http.call("POST", "/v1/chat/completions", key: key, json: question)
        #expect(text.status == 200, "\(text.body)")
        let plain = try #require(content(text))
        #expect((try? JSONSerialization.jsonObject(with: Data(plain.utf8))) == nil, "the model alone does not write bare JSON: \(plain)")

        var asJSON = question
        asJSON["response_format"] = ["type": "json_object"]
        asJSON["max_tokens"] = 200
        let json = try await http.call("POST", "/v1/chat/completions", key: key, json: asJSON)
        #expect(json.status == 200, "\(json.body)")
        #expect(json.headers["x-atrium-cache"] != "hit", "a text answer is never the cached answer to a JSON request")
        let object = try #require(content(json))
        #expect(try JSONSerialization.jsonObject(with: Data(object.utf8)) is [String: Any], "\(object)")

        asJSON["stream"] = true
        asJSON["temperature"] = 1.2
        asJSON["seed"] = 5
        let stream = try await http.call("POST", "/v1/chat/completions", key: key, json: asJSON)
        #expect(stream.status == 200)
        let streamed = stream.body.matches(of: /"content":"((?:[^"\\]|\\.)*)"/).map { String($0.1) }.joined()
        let decoded = try JSONDecoder().decode(String.self, from: Data("\"\(streamed)\"".utf8))
        if stream.body.contains(#""finish_reason":"stop""#) {
            #expect(try JSONSerialization.jsonObject(with: Data(decoded.utf8)) is [String: Any], "\(decoded)")
        } else {
            #expect(decoded.hasPrefix("{"), "\(decoded)")
        }

        // Token 0 is SmolLM2's end of text: forced, the answer ends at once.
        var biased = question
        biased["logit_bias"] = ["0": 100]
        let ended = try await http.call("POST", "/v1/chat/completions", key: key, json: biased)
        #expect(ended.status == 200 && content(ended) == "", "\(ended.body)")
        #expect((ended.json["usage"] as? [String: Any])?["completion_tokens"] as? Int == 1)
        biased["logit_bias"] = ["49152": -100]
        let unknown = try await http.call("POST", "/v1/chat/completions", key: key, json: biased)
        #expect(unknown.status == 400 && unknown.body.contains("49152"), "\(unknown.body)")
        #expect((unknown.json["error"] as? [String: Any])?["param"] as? String == "logit_bias", "\(unknown.body)")

        #expect(await server.stop() == 0)
    }
}
