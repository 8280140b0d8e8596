import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A ``LanguageModelBackend`` that forwards to an OpenAI-compatible server (vLLM, a llama.cpp
/// server, another gateway) over HTTP, streaming when the client streams.
///
/// ```swift
/// let backend = try UpstreamBackend(configuration: UpstreamConfiguration(url: "http://127.0.0.1:8000"))
/// defer { try? await backend.shutdown() }
/// for try await event in backend.generate(request) { … }
/// ```
///
/// Upstream failures become ``BackendError``s: unreachable, timed out, refused (with the
/// upstream's own message) or malformed.
public final class UpstreamBackend: LanguageModelBackend {
    /// The most an error body or a non-streamed completion may weigh.
    static let maximumResponseBytes = 16 << 20

    public let configuration: UpstreamConfiguration
    private let clients: LoopLocalClients
    private let logger: Logger

    public init(configuration: UpstreamConfiguration, logger: Logger = Logger(label: "atrium.upstream")) {
        self.configuration = configuration
        self.logger = logger
        var clientConfiguration = HTTPClient.Configuration(
            timeout: .init(
                connect: .nanoseconds(configuration.connectTimeout.nanoseconds),
                read: .nanoseconds(configuration.readTimeout.nanoseconds)))
        clientConfiguration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maximumConnections)
        clientConfiguration.decompression = .disabled
        // No tracer: with the default no-op one the client still parses every request's URL
        // for span attributes nobody reads.
        clientConfiguration.tracing.tracer = nil
        clients = LoopLocalClients(
            group: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration, logger: logger)
    }

    /// Closes the upstream connections. Call once, when the server stops.
    public func shutdown() async throws {
        try await clients.shutdown()
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: GenerationEvent.self)
        let task = Task {
            do {
                try await self.run(request, into: continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: Self.backendError(for: error))
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// One plain (non-streaming) call, made in the caller's task.
    public func complete(_ request: GenerationRequest) async throws -> ChatCompletion {
        do {
            let response = try await clients.current.execute(
                try chatRequest(for: request, streaming: false), timeout: timeAmount(configuration.requestTimeout))
            guard response.status == .ok else {
                throw Self.rejection(status: response.status, body: try await response.body.collect(upTo: 64 << 10))
            }
            return try Self.completion(from: try await response.body.collect(upTo: Self.maximumResponseBytes))
        } catch {
            throw Self.backendError(for: error)
        }
    }

    /// The model ids the upstream serves (`GET /v1/models`), to pick one when none is given.
    public func listModels() async throws -> [String] {
        do {
            var request = HTTPClientRequest(url: configuration.modelsURL)
            addAuthorization(to: &request)
            let response = try await clients.current.execute(request, timeout: timeAmount(configuration.readTimeout))
            let body = try await response.body.collect(upTo: Self.maximumResponseBytes)
            guard response.status == .ok else { throw Self.rejection(status: response.status, body: body) }
            return try JSONDecoder().decode(UpstreamWire.ModelList.self, from: Data(body.readableBytesView)).data.map(\.id)
        } catch {
            throw Self.backendError(for: error)
        }
    }

    private func chatRequest(for request: GenerationRequest, streaming: Bool) throws -> HTTPClientRequest {
        var httpRequest = HTTPClientRequest(url: configuration.chatCompletionsURL)
        httpRequest.method = .POST
        httpRequest.headers.add(name: "Content-Type", value: "application/json")
        if streaming { httpRequest.headers.add(name: "Accept", value: "text/event-stream") }
        addAuthorization(to: &httpRequest)
        let body = UpstreamWire.RequestBody(request, streaming: streaming)
        httpRequest.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        return httpRequest
    }

    private func run(_ request: GenerationRequest, into continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation) async throws {
        let httpRequest = try chatRequest(for: request, streaming: request.streaming)
        let response = try await clients.current.execute(httpRequest, timeout: timeAmount(configuration.requestTimeout))
        guard response.status == .ok else {
            throw Self.rejection(status: response.status, body: try await response.body.collect(upTo: 64 << 10))
        }
        if request.streaming {
            try await relayStream(response.body, into: continuation)
        } else {
            let completion = try Self.completion(from: try await response.body.collect(upTo: Self.maximumResponseBytes))
            continuation.yield(.delta(completion.text))
            continuation.yield(.finished(completion.usage, completion.finishReason))
        }
    }

    private func relayStream(
        _ body: HTTPClientResponse.Body, into continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation
    ) async throws {
        var parser = ServerSentEventParser()
        var relay = StreamRelay()
        // Read to the end of the body even after [DONE], so the connection can be reused.
        for try await buffer in body {
            for data in parser.consume(buffer.readableBytesView) {
                for event in try relay.events(forData: data) { continuation.yield(event) }
            }
        }
        if !relay.isDone, let data = parser.finish() {
            for event in try relay.events(forData: data) { continuation.yield(event) }
        }
        guard let final = relay.finalEvent() else {
            throw BackendError.malformedResponse("the stream ended before a finish_reason or [DONE]")
        }
        continuation.yield(final)
    }

    static func completion(from body: ByteBuffer) throws -> ChatCompletion {
        let completion: UpstreamWire.Completion
        do {
            completion = try JSONDecoder().decode(UpstreamWire.Completion.self, from: Data(body.readableBytesView))
        } catch {
            throw BackendError.malformedResponse("the completion is not valid chat.completion JSON")
        }
        guard let choice = completion.choices.first else {
            throw BackendError.malformedResponse("the completion has no choices")
        }
        let text = choice.message?.content ?? ""
        let usage = completion.usage ?? Usage(promptTokens: 0, completionTokens: 0)
        return ChatCompletion(text: text, usage: usage, finishReason: UpstreamWire.finishReason(choice.finishReason) ?? .stop)
    }

    private func addAuthorization(to request: inout HTTPClientRequest) {
        if let apiKey = configuration.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
    }

    private func timeAmount(_ duration: Duration) -> TimeAmount { .nanoseconds(duration.nanoseconds) }

    static func rejection(status: HTTPResponseStatus, body: ByteBuffer) -> BackendError {
        let data = Data(body.readableBytesView)
        let message = (try? JSONDecoder().decode(UpstreamWire.ErrorEnvelope.self, from: data))?.error.message
            ?? String(decoding: data.prefix(200), as: UTF8.self)
        return .rejected(status: Int(status.code), message: message.isEmpty ? status.reasonPhrase : message)
    }

    /// Names transport failures in words a client can act on; ``BackendError``s pass through.
    static func backendError(for error: any Error) -> any Error {
        switch error {
        case is BackendError, is CancellationError:
            return error
        case let error as HTTPClientError
        where error == .readTimeout || error == .deadlineExceeded || error == .connectTimeout:
            return BackendError.timedOut("\(error)")
        case let error as HTTPClientError where error == .cancelled:
            return CancellationError()
        default:
            return BackendError.unreachable("\(error)")
        }
    }
}

extension Duration {
    /// Whole nanoseconds, saturating (NIO's `TimeAmount` counts in them).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled + attoseconds / 1_000_000_000
    }
}
