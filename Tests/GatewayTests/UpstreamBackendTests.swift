import AtriumTestSupport
import Foundation
@testable import Gateway
import Testing

@Suite(.serialized) struct UpstreamBackendTests {
    private func request(streaming: Bool) async throws -> GenerationRequest {
        let world = try await GatewayWorld.make()
        let scope = try #require(try await world.principal("bob").tenantScope)
        return GenerationRequest(
            tenant: TenantKey(scope), model: "mock", messages: [ChatTurn(role: .user, content: "hello")],
            sampling: SamplingParameters(temperature: 0, topP: 1, maxTokens: 16), streaming: streaming)
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
        for busy in [503, 429] {
            let failure = GatewayError.from(BackendError.rejected(status: busy, message: "busy"))
            #expect(failure.kind == .unavailable && failure.code == "upstream_busy", "\(busy)")
        }
        let overloaded = GatewayError.from(BackendError.busy("the server is overloaded: waited 60 s for a slot"))
        #expect(overloaded.kind == .unavailable && overloaded.code == "server_overloaded" && overloaded.retryAfter == 1)
    }

    @Test func badUpstreamURLsAreRefused() {
        for url in ["", "ftp://host", "127.0.0.1:8000", "http://", "http://host/?q=1"] {
            #expect(throws: BackendError.self, "\(url)") { try UpstreamConfiguration(url: url) }
        }
    }
}
