import AtriumTestSupport
import Foundation
import NIOCore
import Retrieval
@testable import Gateway
import Testing

@Suite(.serialized) struct UpstreamBackendTests {
    private func request(streaming: Bool) async throws -> GenerationRequest {
        let world = try await GatewayWorld.make()
        let scope = try #require(try await world.principal("bob").tenantScope)
        return GenerationRequest(
            tenant: TenantKey(scope), model: "mock", messages: [ChatTurn(role: .user, content: "hello")],
            sampling: GenerationSampling(temperature: 0, topP: 1, maxTokens: 16), streaming: streaming)
    }

    private func events(_ backend: UpstreamBackend, _ request: GenerationRequest) async throws -> [GenerationEvent] {
        var events: [GenerationEvent] = []
        for try await event in backend.generate(request) { events.append(event) }
        return events
    }

    @Test func aNonStreamingAnswerArrivesAsOneDeltaAndItsUsage() async throws {
        let mock = try MockUpstream()
        let backend = UpstreamBackend(configuration: try UpstreamConfiguration(url: mock.baseURL + "/v1/"))
        let events = try await events(backend, try await request(streaming: false))
        try await backend.shutdown()
        #expect(events == [.delta("Hello from the mock upstream."), .finished(Usage(promptTokens: 9, completionTokens: 6), .stop)])
    }

    @Test func aWholeAnswerComesFromOnePlainCall() async throws {
        let mock = try MockUpstream()
        let backend = UpstreamBackend(configuration: try UpstreamConfiguration(url: mock.baseURL))
        let completion = try await backend.complete(try await request(streaming: true))
        try await backend.shutdown()
        #expect(completion == ChatCompletion(
            text: "Hello from the mock upstream.", usage: Usage(promptTokens: 9, completionTokens: 6), finishReason: .stop))
    }

    @Test func aStreamedAnswerArrivesPieceByPiece() async throws {
        let mock = try MockUpstream()
        let backend = UpstreamBackend(configuration: try UpstreamConfiguration(url: mock.baseURL))
        let events = try await events(backend, try await request(streaming: true))
        try await backend.shutdown()
        #expect(events == [
            .delta("Hello"), .delta(" from the"), .delta(" mock upstream."),
            .finished(Usage(promptTokens: 9, completionTokens: 6), .stop),
        ])
    }

    /// A client's seed goes upstream as the client sent it: -1 once went out as 2⁶⁴ − 1.
    @Test func aNegativeSeedGoesUpstreamAsSent() async throws {
        let plain = try await request(streaming: false)
        let seeded = GenerationRequest(
            tenant: plain.tenant, model: plain.model, messages: plain.messages,
            sampling: GenerationSampling(temperature: 0, topP: 1, maxTokens: 16, seed: UInt64(bitPattern: -1)), streaming: false)
        let body = String(buffer: try UpstreamWire.RequestBody(seeded, streaming: false).bytes)
        #expect(body.contains(#""seed":-1"#), "\(body)")
    }

    /// JSON mode, penalties and logit bias go upstream as OpenAI fields (vLLM and llama.cpp's
    /// server hold their sampling to them); at their defaults they are left out, so an engine
    /// that lacks them is not sent them.
    @Test func jsonModePenaltiesAndLogitBiasGoUpstreamAsOpenAIFields() async throws {
        let plain = try await request(streaming: false)
        func body(_ sampling: GenerationSampling) throws -> [String: Any] {
            let shaped = GenerationRequest(
                tenant: plain.tenant, model: plain.model, messages: plain.messages, sampling: sampling, streaming: true)
            let data = Data(try UpstreamWire.RequestBody(shaped, streaming: true).bytes.readableBytesView)
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let shaped = try body(GenerationSampling(
            temperature: 0, topP: 1, maxTokens: 16, frequencyPenalty: 0.5, presencePenalty: -1,
            logitBias: [42: -100, 7: 2.5], format: .jsonObject))
        #expect((shaped["response_format"] as? [String: Any])?["type"] as? String == "json_object")
        #expect(shaped["frequency_penalty"] as? Double == 0.5 && shaped["presence_penalty"] as? Double == -1)
        #expect(shaped["logit_bias"] as? [String: Double] == ["42": -100, "7": 2.5])
        let defaults = try body(GenerationSampling(temperature: 0, topP: 1, maxTokens: 16))
        for field in ["response_format", "frequency_penalty", "presence_penalty", "logit_bias"] {
            #expect(defaults[field] == nil, "\(field)")
        }
    }

    /// The body written by hand reads back as JSON with every field as given: text that needs
    /// escaping (quotes, backslashes, every control character, non-ASCII, emoji), numbers
    /// that need an exponent, several stop strings, the salt; a number JSON cannot hold throws.
    @Test func theHandWrittenRequestBodyReadsBackAsGiven() async throws {
        let plain = try await request(streaming: false)
        let awkward = "quote \" backslash \\ slash / " + String((0..<32).map { Character(UnicodeScalar($0)!) })
            + " é 漢字 👩‍👩‍👧 \u{7F} \u{2028}"
        let messages = [ChatTurn(role: .system, content: awkward), ChatTurn(role: .user, content: ""),
                        ChatTurn(role: .assistant, content: "{\"a\": [1]}")]
        let sampling = GenerationSampling(
            temperature: 1e-5, topP: 1, maxTokens: 7, stop: ["\n\n", "</s>", awkward], seed: 42,
            frequencyPenalty: 1.9999999999999998, logitBias: [0: 100, 50_000: -0.25])
        let shaped = GenerationRequest(
            tenant: plain.tenant, model: "model \"with\" quotes", messages: messages, sampling: sampling, streaming: true)
        let data = Data(try UpstreamWire.RequestBody(shaped, streaming: true, cacheSalt: "salt/+=").bytes.readableBytesView)
        let body = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(body["model"] as? String == "model \"with\" quotes")
        let sent = try #require(body["messages"] as? [[String: String]])
        #expect(sent == messages.map { ["role": $0.role.rawValue, "content": $0.content] })
        #expect(body["temperature"] as? Double == 1e-5 && body["top_p"] as? Double == 1)
        #expect(body["max_tokens"] as? Int == 7 && body["seed"] as? Int == 42)
        #expect(body["stop"] as? [String] == ["\n\n", "</s>", awkward])
        // Numbers read back exactly (through JSONDecoder: JSONSerialization rounds this one to 2).
        struct Numbers: Decodable {
            let temperature: Double
            let frequency_penalty: Double
        }
        let numbers = try JSONDecoder().decode(Numbers.self, from: data)
        #expect(numbers.temperature == 1e-5 && numbers.frequency_penalty == 1.9999999999999998)
        #expect(body["presence_penalty"] == nil)
        #expect(body["logit_bias"] as? [String: Double] == ["0": 100, "50000": -0.25])
        #expect(body["stream"] as? Bool == true)
        #expect((body["stream_options"] as? [String: Bool]) == ["include_usage": true])
        #expect(body["cache_salt"] as? String == "salt/+=")
        #expect(Set(body.keys) == [
            "model", "messages", "temperature", "top_p", "max_tokens", "stop", "seed", "stream", "stream_options",
            "cache_salt", "frequency_penalty", "logit_bias",
        ])
        let unsalted = Data(try UpstreamWire.RequestBody(plain, streaming: false).bytes.readableBytesView)
        let plainBody = try #require(try JSONSerialization.jsonObject(with: unsalted) as? [String: Any])
        #expect(plainBody["stream"] as? Bool == false && plainBody["stream_options"] == nil && plainBody["cache_salt"] == nil)
        let infinite = GenerationRequest(
            tenant: plain.tenant, model: plain.model, messages: plain.messages,
            sampling: GenerationSampling(temperature: .infinity, topP: 1, maxTokens: 16), streaming: false)
        #expect(throws: (any Error).self) { _ = try UpstreamWire.RequestBody(infinite, streaming: false).bytes }
    }

    /// A redirect is an upstream failure, never followed: the prompt goes nowhere else.
    @Test func aRedirectIsNotFollowed() async throws {
        let elsewhere = try await TestEngineProcess()
        let engine = try await TestEngineProcess(
            arguments: ["--misbehave", "redirect", "--redirect-to", elsewhere.baseURL + "/v1/chat/completions"])
        let backend = UpstreamBackend(configuration: try UpstreamConfiguration(url: engine.baseURL))
        for streaming in [false, true] {
            await #expect {
                _ = try await events(backend, try await request(streaming: streaming))
            } throws: { error in
                if case .rejected(status: 307, _) = error as? BackendError { true } else { false }
            }
        }
        try await backend.shutdown()
        #expect(try await elsewhere.stats().served == 0 && elsewhere.isRunning)
        #expect(GatewayError.from(BackendError.rejected(status: 307, message: "")).kind == .badGateway)
    }

    /// An engine that streams past `max_tokens` is cut off there (finish `length`), and what it
    /// reports is held to what the request can have used.
    @Test func aRunawayStreamIsCutOffAtMaxTokensAndAbsurdUsageIsBounded() async throws {
        let runaway = try await TestEngineProcess(tokensPerSecond: 4000, arguments: ["--misbehave", "runaway"])
        let backend = UpstreamBackend(configuration: try UpstreamConfiguration(url: runaway.baseURL))
        let streamed = try await events(backend, try await request(streaming: true))
        try await backend.shutdown()
        let estimate = TokenEstimate.prompt(of: [ChatTurn(role: .user, content: "hello")])
        #expect(streamed.count == 17 && streamed.last == .finished(Usage(promptTokens: estimate, completionTokens: 16), .length), "\(streamed.suffix(2))")

        let huge = try await TestEngineProcess(arguments: ["--misbehave", "huge-usage"])
        let honest = UpstreamBackend(configuration: try UpstreamConfiguration(url: huge.baseURL))
        let ceiling = TokenEstimate.promptCeiling(of: [ChatTurn(role: .user, content: "hello")])
        for streaming in [false, true] {
            let finished = try await events(honest, try await request(streaming: streaming)).last
            #expect(finished == .finished(Usage(promptTokens: ceiling, completionTokens: 16), .length), "\(String(describing: finished))")
        }
        try await honest.shutdown()
        #expect(ceiling == 5 + TokenEstimate.templateTokensPerMessage + TokenEstimate.templateTokensPerRequest)
    }

    /// An upstream that reports no usage is charged by estimate, never free: the prompt at 4
    /// bytes a token, the answer a token per streamed chunk (or 4 bytes a token, whole).
    @Test func anUpstreamReportingNoUsageIsChargedByEstimate() async throws {
        let engine = try await TestEngineProcess(tokensPerSecond: 4000, arguments: ["--misbehave", "no-usage"])
        let backend = UpstreamBackend(configuration: try UpstreamConfiguration(url: engine.baseURL))
        let prompt = TokenEstimate.prompt(of: [ChatTurn(role: .user, content: "hello")])
        for streaming in [true, false] {
            let finished = try await events(backend, try await request(streaming: streaming)).last
            #expect(finished == .finished(Usage(promptTokens: prompt, completionTokens: 16), .length), "\(streaming)")
        }
        try await backend.shutdown()
    }

    @Test func theUpstreamsModelsAreListed() async throws {
        let mock = try MockUpstream()
        let backend = UpstreamBackend(configuration: try UpstreamConfiguration(url: mock.baseURL))
        let models = try await backend.listModels()
        try await backend.shutdown()
        #expect(models == ["mock"])
    }

    @Test func anUnreachableUpstreamIsNamedAsSuch() async throws {
        let port = try LoopbackPort.free()
        let backend = UpstreamBackend(configuration: try UpstreamConfiguration(url: "http://127.0.0.1:\(port)"))
        await #expect {
            _ = try await events(backend, try await request(streaming: false))
        } throws: { error in
            if case .unreachable = error as? BackendError { true } else { false }
        }
        try await backend.shutdown()
    }

    @Test func anUpstreamErrorStatusCarriesItsMessage() async throws {
        let mock = try MockUpstream()
        let backend = UpstreamBackend(configuration: try UpstreamConfiguration(url: mock.baseURL + "/elsewhere"))
        await #expect(throws: BackendError.rejected(status: 404, message: "not found")) {
            _ = try await events(backend, try await request(streaming: true))
        }
        try await backend.shutdown()
        #expect(GatewayError.from(BackendError.rejected(status: 404, message: "not found")).kind == .invalidRequest)
        #expect(GatewayError.from(BackendError.rejected(status: 500, message: "boom")).kind == .badGateway)
        // The engine's own failures name the engine, not the request: none of its words reach
        // the client (they once carried an internal host and a model path); a refusal of the
        // request keeps a line of them.
        for status in [500, 200] {
            let failure = GatewayError.from(BackendError.rejected(status: status, message: "internal error at /srv/m.gguf on 10.1.2.3"))
            #expect(failure.message == "the model backend failed (HTTP \(status))", "\(failure.message)")
        }
        let refusal = GatewayError.from(BackendError.rejected(status: 400, message: "context exceeded" + String(repeating: "!", count: 1000)))
        #expect(refusal.message.contains("context exceeded") && refusal.message.count < 400)
        let controls = GatewayError.from(BackendError.rejected(status: 400, message: "bad\u{1B}[31m input\r\nX-Injected: 1\u{0}"))
        #expect(controls.message.contains("bad[31m inputX-Injected: 1") && !controls.message.unicodeScalars.contains { $0.value < 0x20 })
        for busy in [503, 429] {
            let failure = GatewayError.from(BackendError.rejected(status: busy, message: "busy"))
            #expect(failure.kind == .unavailable && failure.code == "upstream_busy", "\(busy)")
        }
        let overloaded = GatewayError.from(BackendError.busy("the server is overloaded: waited 60 s for a slot"))
        #expect(overloaded.kind == .unavailable && overloaded.code == "server_overloaded" && overloaded.retryAfter == 1)
    }

    /// An upstream that streams one chunk per entry of `gaps` (seconds before each), then
    /// either ends the stream or stalls without closing it.
    private final class PacedUpstream: @unchecked Sendable {
        let port: Int
        private let process: ChildProcess

        /// `usage`: the final chunk's usage object; nil reports 3 prompt tokens and one per chunk.
        init(gaps: [Double], thenStall: Bool, chunkBytes: Int = 0, usage: String? = nil) throws {
            port = try LoopbackPort.free()
            let script = """
                import socket, sys, time
                port, gaps, stall, pad = int(sys.argv[1]), [float(g) for g in sys.argv[2].split(",")], sys.argv[3] == "1", int(sys.argv[4])
                usage = sys.argv[5].encode() if len(sys.argv) > 5 else b'{"prompt_tokens":3,"completion_tokens":%d}' % len(gaps)
                server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                server.bind(("127.0.0.1", port)); server.listen(8)
                def chunk(data):
                    data = b"data: " + data + b"\\n\\n"
                    return b"%x\\r\\n%s\\r\\n" % (len(data), data)
                while True:
                    client, _ = server.accept(); request = b"."
                    while request and b"\\r\\n\\r\\n" not in request:
                        data = client.recv(65536); request = request + data if data else b""
                    if not request: client.close(); continue  # a probe that only connected
                    # The whole body too: a socket closed with unread bytes sends a reset, which
                    # can reach the client before the last of the answer.
                    head, _, body = request.partition(b"\\r\\n\\r\\n")
                    length = [int(l.split(b":")[1]) for l in head.split(b"\\r\\n") if l.lower().startswith(b"content-length:")]
                    while length and len(body) < length[0]:
                        data = client.recv(65536)
                        if not data: break
                        body += data
                    client.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Type: text/event-stream\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n")
                    for gap in gaps:
                        time.sleep(gap)
                        text = "x" * pad or "tok "
                        client.sendall(chunk(b'{"choices":[{"index":0,"delta":{"content":"' + text.encode() + b'"},"finish_reason":null}]}'))
                    if stall: time.sleep(60)
                    client.sendall(chunk(b'{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":' + usage + b'}'))
                    client.sendall(chunk(b"[DONE]") + b"0\\r\\n\\r\\n"); client.close()
                """
            process = try ChildProcess(
                executable: "/usr/bin/env",
                arguments: [
                    "python3", "-c", script, String(port), gaps.map { String($0) }.joined(separator: ","),
                    thenStall ? "1" : "0", String(chunkBytes),
                ] + (usage.map { [$0] } ?? []))
            try LoopbackPort.waitUntilListening(port)
        }

        deinit {
            process.send(SIGKILL)
            process.waitUntilExit()
        }
    }

    /// An upstream's usage is not trusted: a count of 2⁶³ − 1 once overflowed the team's monthly
    /// sum and crashed the server. Completion tokens are charged up to the `max_tokens` sent
    /// (16 here), a negative count is 0, and every count stays within `Usage.maximumCount`.
    @Test func anUpstreamsAbsurdUsageIsBoundedNotTrusted() async throws {
        let upstream = try PacedUpstream(
            gaps: [0, 0], thenStall: false, usage: #"{"prompt_tokens":5,"completion_tokens":9223372036854775807}"#)
        let backend = UpstreamBackend(configuration: try UpstreamConfiguration(url: "http://127.0.0.1:\(upstream.port)"))
        let events = try await events(backend, try await request(streaming: true))
        try await backend.shutdown()
        #expect(events.last == .finished(Usage(promptTokens: 5, completionTokens: 16), .stop))

        // A negative count is no count: charged by estimate, as with no usage (attack round 7:
        // clamped to zero, a broken engine's answers went free).
        let request = try await self.request(streaming: true)
        let negative = try PacedUpstream(
            gaps: [0, 0], thenStall: false, usage: #"{"prompt_tokens":-1000000,"completion_tokens":-5}"#)
        let counted = UpstreamBackend(configuration: try UpstreamConfiguration(url: "http://127.0.0.1:\(negative.port)"))
        let estimated = try await self.events(counted, request)
        try await counted.shutdown()
        #expect(estimated.last == .finished(Usage(promptTokens: TokenEstimate.prompt(of: request.messages), completionTokens: 2), .stop))
        let plain = try UpstreamBackend.completion(
            from: ByteBuffer(string: #"{"choices":[{"message":{"content":"abcdefgh"}}],"usage":{"prompt_tokens":-1,"completion_tokens":3}}"#),
            for: request)
        #expect(plain.usage == Usage(promptTokens: TokenEstimate.prompt(of: request.messages), completionTokens: 2))

        let huge = Usage(promptTokens: .max, completionTokens: .max)
        #expect(huge.promptTokens == Usage.maximumCount && huge.totalTokens == 2 * Usage.maximumCount)
        #expect(Usage(promptTokens: 7, completionTokens: 40).completion(atMost: 16) == Usage(promptTokens: 7, completionTokens: 16))
        let decoded = try JSONDecoder().decode(Usage.self, from: Data(#"{"prompt_tokens":9223372036854775807,"completion_tokens":-1}"#.utf8))
        #expect(decoded == Usage(promptTokens: Usage.maximumCount, completionTokens: 0))
    }

    @Test func anUpstreamThatStallsMidStreamTimesOutAfterWhatItSent() async throws {
        let upstream = try PacedUpstream(gaps: [0, 0.05], thenStall: true)
        let backend = UpstreamBackend(
            configuration: try UpstreamConfiguration(url: "http://127.0.0.1:\(upstream.port)", readTimeout: .milliseconds(400)))
        var received: [GenerationEvent] = []
        let started = ContinuousClock.now
        await #expect {
            try await backend.generate(try await request(streaming: true)) { received.append($0) }
        } throws: { error in
            if case .timedOut = error as? BackendError { true } else { false }
        }
        let waited = ContinuousClock.now - started
        try await backend.shutdown()
        #expect(received == [.delta("tok "), .delta("tok ")])
        // Idle for one read timeout, caught by the next check (a quarter of it later at most).
        #expect(waited >= .milliseconds(400) && waited < .seconds(3), "\(waited)")
    }

    @Test func aSlowButSteadyStreamNeverTimesOut() async throws {
        // Every gap under the read timeout, the whole answer well over it.
        let upstream = try PacedUpstream(gaps: [0.15, 0.15, 0.15, 0.15, 0.15, 0.15], thenStall: false)
        let backend = UpstreamBackend(
            configuration: try UpstreamConfiguration(url: "http://127.0.0.1:\(upstream.port)", readTimeout: .milliseconds(400)))
        let events = try await events(backend, try await request(streaming: true))
        try await backend.shutdown()
        #expect(events == Array(repeating: .delta("tok "), count: 6) + [.finished(Usage(promptTokens: 3, completionTokens: 6), .stop)])
    }

    @Test func aNonStreamedAnswerLargerThanTheLimitIsRefused() async throws {
        // One 17 MiB "answer" in a stream the client did not ask for: collected, then refused.
        let upstream = try PacedUpstream(gaps: [0], thenStall: false, chunkBytes: 17 << 20)
        let backend = UpstreamBackend(configuration: try UpstreamConfiguration(url: "http://127.0.0.1:\(upstream.port)"))
        await #expect {
            _ = try await backend.complete(try await request(streaming: false))
        } throws: { error in
            if case let .malformedResponse(message) = error as? BackendError { message.contains("larger than") } else { false }
        }
        try await backend.shutdown()
    }

    @Test func badUpstreamURLsAreRefused() {
        // Credentials in the URL would be logged with it (attack round 7): the key goes in
        // ATRIUM_UPSTREAM_KEY.
        for url in ["", "ftp://host", "127.0.0.1:8000", "http://", "http://host/?q=1", "http://user:pw@host", "http://user@host"] {
            #expect(throws: BackendError.self, "\(url)") { try UpstreamConfiguration(url: url) }
        }
    }
}
