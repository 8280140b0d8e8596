import AtriumTestSupport
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import Logging
import Server
import Testing

/// What the process log says about requests: exactly one access line per request at info,
/// carrying its request id and team id, its method, route pattern, status and duration —
/// and never a key, a prompt, or a raw path.
@Suite struct AccessLogTests {
    static let promptCanary = "PROMPT-CANARY-7f3a"
    static let pathCanary = "PATH-CANARY-91c2"

    @Test func everyRequestLeavesOneAccessLineWithItsIdsAndNoSecrets() async throws {
        let world = try ServerWorld.make()
        let capture = LogCapture()
        // The upstream's refusal quotes the prompt, as real ones do.
        let backend = ScriptedBackend(.fail(.rejected(status: 500, message: "cannot answer '\(Self.promptCanary)'")))
        let gateway = Gateway(
            store: world.store, backend: backend, catalog: ModelCatalog(chatModel: "test-model"), writer: world.writer,
            logger: capture.logger(label: "atrium.gateway"), metrics: world.exposition.metrics)
        let router = AtriumServer.router(gateway: gateway, configuration: world.configuration, exposition: world.exposition)
        let badKey = "atr_BADKEYCANARY0000000000000000"
        let (calls, scenario) = try await Application(router: router, logger: capture.logger()).test(.router) { client in
            let http = HTTPCaller(client: client)
            let scenario = try await Scenario.build(http, world: world)
            let chat: [String: Any] = ["messages": [["role": "user", "content": Self.promptCanary]]]
            let calls = [
                (try await http.call(.post, "/v1/chat/completions", key: scenario["bob"], json: chat), "bob"),
                (try await http.call(.post, "/query", key: scenario["carol"], json: ["prompt": Self.promptCanary, "team": "acme/sales"]), "carol"),
                (try await http.call(.get, "/v1/models", key: badKey), "nobody"),
                (try await http.call(.get, "/v1/\(Self.pathCanary)?q=\(Self.promptCanary)", key: scenario["bob"]), "unmatched"),
            ]
            return (calls, scenario)
        }
        #expect(calls.map(\.0.status) == [502, 403, 401, 404])
        let expectedTeams = ["bob": scenario.ids["sales"]!, "carol": scenario.ids["development"]!, "nobody": "none", "unmatched": "none"]
        let expectedRoutes = ["bob": "/v1/chat/completions", "carol": "/query", "nobody": "/v1/models", "unmatched": "unmatched"]
        for (answer, who) in calls {
            let id = try #require(answer.headers.first { $0.name.rawName == "x-request-id" }?.value)
            let access = capture.lines.filter { $0.message == "request" && $0.metadata["request.id"] == id }
            #expect(access.count == 1, "\(who): one access line")
            let line = try #require(access.first)
            #expect(line.level == .info)
            #expect(line.metadata["team.id"] == expectedTeams[who], "\(who): \(line.metadata)")
            #expect(line.metadata["http.route"] == expectedRoutes[who])
            #expect(line.metadata["http.status"] == String(answer.status))
            #expect(line.metadata["http.method"] != nil && line.metadata["duration.ms"] != nil)
        }
        let failure = try #require(capture.lines.first { $0.message == "generation failed" })
        #expect(failure.metadata["request.id"] != nil && failure.metadata["team.id"] == scenario.ids["sales"])
        let refusals = capture.lines.filter { $0.message == "request refused" }
        #expect(!refusals.isEmpty && refusals.allSatisfy { $0.metadata["request.id"] != nil && $0.metadata["team.id"] != nil })

        let everything = capture.lines.map(\.text).joined(separator: "\n")
        #expect(!everything.contains(Self.promptCanary), "no prompt text in the log")
        #expect(!everything.contains(Self.pathCanary), "no raw path in the log")
        #expect(!everything.contains("BADKEYCANARY"), "no presented key in the log")
        for holder in ["owner", "bob", "carol", "alice"] {
            #expect(!everything.contains(scenario[holder]), "\(holder)'s key is not in the log")
        }
    }

    @Test func theSourcesLogNoRequestText() throws {
        // Every log call in Sources, outside the engine: none may interpolate a prompt, a
        // query, a body, a key or a raw path.
        let root = MockUpstream.repositoryRoot.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" && !$0.path.contains("/Inference/") } ?? []
        #expect(files.count > 50)
        let forbidden = ["prompt", "query", "messages", "content", "body", "secret", "revealed", "authorization", "uri", "path", "text"]
        var offenders: [String] = []
        for file in files {
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            for (number, line) in lines.enumerated()
            where line.range(of: #"logger\.(trace|debug|info|notice|warning|error|critical)\("#, options: .regularExpression) != nil {
                // The call and the lines of its metadata, up to the closing parenthesis.
                let call = lines[number..<min(lines.count, number + 6)].joined(separator: " ").lowercased()
                let interpolated = call.matches(of: /\\\(([^)]*)\)/).map { String($0.output.1) }
                for expression in interpolated where forbidden.contains(where: expression.contains) {
                    offenders.append("\(file.lastPathComponent):\(number + 1): \\(\(expression))")
                }
            }
        }
        #expect(offenders.isEmpty, "\(offenders)")
    }
}
