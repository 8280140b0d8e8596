import AtriumTestSupport
import Foundation
@testable import Gateway
import Store
import Tenancy
import Testing

@Suite struct ChatPipelineTests {
    private func chat(_ world: GatewayWorld, _ holder: String, _ request: ChatRequest) async throws -> (ChatCompletion, RequestAudit) {
        let audit = world.audit("chat")
        defer { world.gateway.accountant.finish(audit) }
        let principal = try await world.gateway.authenticator.authenticate(
            authorization: "Bearer \(world.keys[holder]!)", audit: audit)
        let scope = try Authorizer.dataScope(of: principal, for: .chat, audit: audit)
        let execution = try await world.gateway.pipeline.chat(request, in: scope, audit: audit)
        return (try await execution.collect(), audit)
    }

    private let hello = ChatRequest(messages: [ChatTurn(role: .user, content: "What do we sell?")])

    @Test func aServedChatIsAuditedOnceWithQueryTokensAndUsage() async throws {
        let world = try await GatewayWorld.make()
        let (completion, _) = try await chat(world, "bob", hello)
        #expect(completion == ChatCompletion(text: "Hello, world.", usage: Usage(promptTokens: 7, completionTokens: 3), finishReason: .stop))

        let records = try await world.auditRecords().filter { $0.action == "chat" }
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.allowed && record.teamID == world.sales.id && record.query == "What do we sell?")
        #expect(record.promptTokens == 7 && record.completionTokens == 3)
        let owner = try await world.principal("owner")
        let usage = try await world.store.usage.report(visibleTo: owner)
        #expect(usage.map(\.totalTokens) == [10])
        #expect(usage.first?.teamID == world.sales.id)
    }

    @Test func aNonStreamedAnswerIsAuditedOnceByItsOwnerWithTokensAndUsage() async throws {
        let world = try await GatewayWorld.make()
        let audit = world.audit("chat")
        let principal = try await world.gateway.authenticator.authenticate(
            authorization: "Bearer \(world.keys["vic"]!)", audit: audit)
        let scope = try Authorizer.dataScope(of: principal, for: .chat, audit: audit)
        let answer = try await world.gateway.pipeline.answer(hello, in: scope, audit: audit)
        world.gateway.accountant.finish(audit)
        world.gateway.accountant.finish(audit)
        #expect(answer.completion.text == "Hello, world." && answer.id.hasPrefix("chatcmpl-") && answer.model == "test-model")
        #expect(world.backend.requests.map(\.streaming) == [false])
        let records = try await world.auditRecords().filter { $0.action == "chat" }
        #expect(records.count == 1)
        #expect(records.first?.completionTokens == 3 && records.first?.query == "What do we sell?")
        let owner = try await world.principal("owner")
        #expect(try await world.store.usage.report(visibleTo: owner).map(\.totalTokens) == [10])
    }

    @Test func theTeamsProfileShapesTheRequestAndAChangeAppliesToTheNextOne() async throws {
        let world = try await GatewayWorld.make()
        let alice = try await world.principal("alice")
        _ = try await world.gateway.administration.saveProfile(
            try PromptProfile(systemPrompt: "Respond as a sales expert of {{team}}.", maxTokens: 32), of: "acme/sales",
            principal: alice, audit: world.audit())
        _ = try await chat(world, "bob", hello)
        _ = try await world.gateway.administration.saveProfile(
            try PromptProfile(systemPrompt: "Changed.", maxTokens: 8), of: "sales", principal: alice, audit: world.audit())
        _ = try await chat(world, "bob", hello)

        let sent = world.backend.requests
        #expect(sent.count == 2)
        #expect(sent[0].messages.first == ChatTurn(role: .system, content: "Respond as a sales expert of sales."))
        #expect(sent[0].sampling.maxTokens == 32)
        #expect(sent[1].messages.first == ChatTurn(role: .system, content: "Changed."))
        #expect(sent[1].sampling.maxTokens == 8)
        #expect(sent.allSatisfy { $0.tenant.teamID == world.sales.id && $0.model == "test-model" })
    }

    @Test func queryNamingAnotherTeamIsDeniedAndAuditedAsCrossTeam() async throws {
        let world = try await GatewayWorld.make()
        var request = hello
        request.claimedTeam = "acme/development"
        do {
            _ = try await chat(world, "bob", request)
            Issue.record("a key of sales acted for development")
        } catch let error as GatewayError {
            #expect(error.kind == .forbidden && error.code == DenialReason.crossTenant.rawValue)
        }
        request.claimedTeam = "acme/sales"
        _ = try await chat(world, "bob", request)
        #expect(world.backend.requests.count == 1)
        let records = try await world.auditRecords().filter { $0.action == "chat" }
        #expect(records.map(\.allowed) == [true, false])
        #expect(records.last?.reason == DenialReason.crossTenant.rawValue)
        #expect(records.last?.resource == "team:acme/development")
    }

    @Test func adminKeysHaveNoDataPlaneAccess() async throws {
        let world = try await GatewayWorld.make()
        for holder in ["owner", "dave"] {
            let audit = world.audit("chat")
            let principal = try await world.principal(holder)
            #expect(throws: GatewayError.denied(.dataPlaneNeedsTeamKey)) {
                try Authorizer.dataScope(of: principal, for: .chat, audit: audit)
            }
            world.gateway.accountant.finish(audit)
        }
        let denials = try await world.auditRecords().filter { $0.reason == DenialReason.dataPlaneNeedsTeamKey.rawValue }
        #expect(denials.count == 2)
    }

    /// A stream's end — its finish (reason and usage), then `[DONE]` — reaches the client only
    /// once its record is committed, whether the answer was generated, passed through the
    /// team's answer guard or replayed from the response cache (the last two sent their finish
    /// before the commit); a record that will not commit (a trigger here refuses every audit
    /// record, as a full disk would) ends the stream with `storage_unavailable` instead.
    @Test(arguments: ["generated", "guarded", "replayed"])
    func aStreamsEndWaitsForItsRecordAndFailsWhenItCannotBeWritten(kind: String) async throws {
        let cache = try ResponseCache(configuration: ResponseCacheConfiguration(timeToLive: .seconds(300), maximumBytes: 1 << 20))
        let world = try await GatewayWorld.make(responseCache: cache)
        let greedy = ChatRequest(messages: [ChatTurn(role: .user, content: "What do we sell?")], temperature: 0, streaming: true)
        if kind == "guarded" {
            _ = try await world.gateway.administration.saveProfile(
                try PromptProfile(guardrails: GuardrailSettings(pii: [.email: .redact])), of: "acme/sales",
                principal: try await world.principal("alice"), audit: world.audit())
        }
        func stream() async throws -> [GenerationEvent] {
            let audit = world.audit("chat")
            let scope = try Authorizer.dataScope(of: try await world.principal("bob"), for: .chat, audit: audit)
            let execution = try await world.gateway.pipeline.chat(
                kind == "replayed" ? greedy : hello, in: scope, audit: audit)
            world.gateway.accountant.finish(audit)
            var events: [GenerationEvent] = []
            for try await event in execution.events { events.append(event) }
            return events
        }
        if kind == "replayed" { _ = try await stream() }  // the answer the cache replays
        try await RefusingAuditLog.refuse(home: world.directory)
        var events: [GenerationEvent] = []
        do {
            let audit = world.audit("chat")
            let scope = try Authorizer.dataScope(of: try await world.principal("bob"), for: .chat, audit: audit)
            let execution = try await world.gateway.pipeline.chat(kind == "replayed" ? greedy : hello, in: scope, audit: audit)
            world.gateway.accountant.finish(audit)
            #expect((execution.cacheHit != nil) == (kind == "replayed"))
            for try await event in execution.events { events.append(event) }
            Issue.record("the stream ended normally: \(events)")
        } catch let error as GatewayError {
            #expect(error.code == "storage_unavailable", "\(error)")
        }
        #expect(!events.isEmpty && events.allSatisfy { if case .delta = $0 { true } else { false } }, "\(kind): \(events)")
    }

    @Test func aStreamDroppedMidwayStillLeavesOneRecord() async throws {
        let world = try await GatewayWorld.make(backend: ScriptedBackend(.hang(["partial"])))
        let audit = world.audit("chat")
        let principal = try await world.principal("vic")
        let scope = try Authorizer.dataScope(of: principal, for: .chat, audit: audit)
        var execution: ChatExecution? = try await world.gateway.pipeline.chat(hello, in: scope, audit: audit)
        world.gateway.accountant.finish(audit)  // the handler returned: the stream owns the record
        var iterator = execution?.events.makeAsyncIterator()
        #expect(try await iterator?.next() == .delta("partial"))
        iterator = nil
        execution = nil
        for _ in 0..<3000 where try await world.auditRecords().filter({ $0.action == "chat" }).isEmpty {
            try await Task.sleep(for: .milliseconds(10))
        }
        let records = try await world.auditRecords().filter { $0.action == "chat" }
        #expect(records.count == 1)
        // Not free: the prompt (estimated: 16 bytes → 4 tokens + 4 for the message) and the
        // one piece the backend produced, and the record says how it ended.
        #expect(records.first?.promptTokens == 8 && records.first?.completionTokens == 1)
        #expect(records.first?.flags == ["stream.cancelled"])
    }

    /// A client that keeps its stream open and never reads it holds at most
    /// ``GenerationEvents/maximumPending`` events in memory: one more stops the generation as a
    /// hang-up does, and the record says so (attack round 7: the generation ran on into memory,
    /// 30 bytes a token, for as long as the connection stayed open).
    @Test func aStreamNobodyReadsStopsItsGenerationAtTheLimit() async throws {
        let count = GenerationEvents.maximumPending + 100
        let world = try await GatewayWorld.make(backend: ScriptedBackend(.hang(Array(repeating: "tok ", count: count))))
        let audit = world.audit("chat")
        let principal = try await world.principal("vic")
        let scope = try Authorizer.dataScope(of: principal, for: .chat, audit: audit)
        let execution = try await world.gateway.pipeline.chat(
            ChatRequest(messages: hello.messages, maxTokens: count + 10, streaming: true), in: scope, audit: audit)
        world.gateway.accountant.finish(audit)
        // Nobody reads the events; the backend would otherwise wait for ever after its tokens.
        for _ in 0..<3000 where try await world.auditRecords().filter({ $0.action == "chat" }).isEmpty {
            try await Task.sleep(for: .milliseconds(10))
        }
        let records = try await world.auditRecords().filter { $0.action == "chat" }
        #expect(records.count == 1 && records.first?.flags == ["stream.cancelled"], "\(records)")
        #expect((records.first?.completionTokens ?? 0) > 0, "what it generated is charged (up to its max_tokens)")
        var batch: [GenerationEvent] = []
        await #expect {
            _ = try await execution.events.take(into: &batch)
        } throws: { ($0 as? GatewayError)?.code == "client_not_reading" }
        #expect(batch.isEmpty, "the pending events were dropped")
    }

    /// A client that goes away before the first piece of text — streamed or not — is still
    /// charged its prompt (estimated): the engine may have computed it, and abandoning
    /// requests must not be a way past the month's tokens and budgets (attack round 5).
    @Test func aClientThatGoesAwayBeforeAnyTextIsChargedItsPrompt() async throws {
        // Streamed: the backend hangs before its first piece; the client drops the stream.
        let world = try await GatewayWorld.make(backend: ScriptedBackend(.hang([])))
        let audit = world.audit("chat")
        let scope = try Authorizer.dataScope(of: try await world.principal("vic"), for: .chat, audit: audit)
        var execution: ChatExecution? = try await world.gateway.pipeline.chat(hello, in: scope, audit: audit)
        world.gateway.accountant.finish(audit)
        try await Task.sleep(for: .milliseconds(50))
        execution = nil
        for _ in 0..<3000 where try await world.auditRecords().filter({ $0.action == "chat" }).isEmpty {
            try await Task.sleep(for: .milliseconds(10))
        }
        let streamed = try #require(try await world.auditRecords().first { $0.action == "chat" })
        #expect(streamed.promptTokens == 8 && streamed.completionTokens == 0 && streamed.flags == ["stream.cancelled"])
        #expect(execution == nil)

        // Not streamed: the handler's task is cancelled while the backend works (once it has the
        // request: a fixed pause raced a loaded machine, and cancelled the lookups before it).
        let hanging = ScriptedBackend(.hang([]))
        let other = try await GatewayWorld.make(backend: hanging)
        let task = Task {
            let audit = other.audit("chat")
            defer { other.gateway.accountant.finish(audit) }
            let scope = try Authorizer.dataScope(of: try await other.principal("vic"), for: .chat, audit: audit)
            return try await other.gateway.pipeline.answer(hello, in: scope, audit: audit)
        }
        for _ in 0..<3000 where hanging.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        await #expect(throws: GatewayError.self) { _ = try await task.value }
        let answered = try #require(try await other.auditRecords().first { $0.action == "chat" })
        #expect(answered.promptTokens == 8 && answered.completionTokens == 0, "\(answered)")
        #expect(answered.flags.contains("request.cancelled"), "\(answered.flags)")
    }

    /// A backend that fails mid-answer: the text it produced is charged, and flagged as failed;
    /// one that fails before any text charges nothing and carries no flag.
    @Test func aStreamThatFailsMidwayIsChargedForWhatItProduced() async throws {
        for (script, tokens, flags) in [
            (ScriptedBackend.Script.failAfter(["one", "two"], .timedOut("stalled")), (8, 2), ["stream.failed"]),
            (.failAfter([], .timedOut("stalled")), (0, 0), []),
        ] {
            let world = try await GatewayWorld.make(backend: ScriptedBackend(script))
            let audit = world.audit("chat")
            let scope = try Authorizer.dataScope(of: try await world.principal("vic"), for: .chat, audit: audit)
            let execution = try await world.gateway.pipeline.chat(hello, in: scope, audit: audit)
            world.gateway.accountant.finish(audit)
            await #expect(throws: GatewayError.self) { for try await _ in execution.events {} }
            let record = try #require(try await world.auditRecords().first { $0.action == "chat" })
            #expect(record.promptTokens == tokens.0 && record.completionTokens == tokens.1, "\(script)")
            #expect(record.flags == flags, "\(script)")
        }
    }

    @Test func backendFailuresBecomeClearErrors() async throws {
        let world = try await GatewayWorld.make(backend: ScriptedBackend(.fail(.timedOut("no answer in 5 s"))))
        do {
            _ = try await chat(world, "bob", hello)
            Issue.record("a failed backend answered")
        } catch let error as GatewayError {
            #expect(error.kind == .gatewayTimeout)
        }
        #expect(try await world.auditRecords().filter { $0.action == "chat" }.count == 1)
    }
}
