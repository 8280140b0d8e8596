import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

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
public final class UpstreamBackend: InlineGenerating {
    /// The most an error body or a non-streamed completion may weigh.
    static let maximumResponseBytes = 16 << 20

    public let configuration: UpstreamConfiguration
    private let clients: LoopLocalClients
    private let logger: Logger
    /// Salts requests per team when set and ``UpstreamConfiguration/sendsCacheSalt`` is on.
    private let salts: CacheSalt?
    /// Cleared, for good, once the upstream refused a request for its `cache_salt`.
    private let saltAccepted = Atomic<Bool>(true)
    /// When the upstream last showed, to a probe of no client text, that it takes `cache_salt`:
    /// a refusal naming the field within ``saltProbeInterval`` of it is the request's own.
    private let saltLastAccepted = Mutex<ContinuousClock.Instant?>(nil)
    static let saltProbeInterval: Duration = .seconds(60)
    /// The chat request with its URL parsed once (AsyncHTTPClient parses and checks a URL
    /// string on every request it makes from one); nil if that failed, so each request says why.
    private let chatTemplate: HTTPClient.Request?

    public init(
        configuration: UpstreamConfiguration, salts: CacheSalt? = nil, logger: Logger = Logger(label: "atrium.upstream")
    ) {
        self.configuration = configuration
        self.logger = logger
        self.salts = configuration.sendsCacheSalt ? salts : nil
        // No read timeout in the client: it would re-arm a timer on every body part; chat
        // responses watch for a stall themselves (UpstreamResponse), the other calls have
        // deadlines.
        // No redirects: a 3xx is an upstream failure. Followed, it would re-send a team's prompt
        // wherever the engine's address (or whatever answers on it) points, a cloud metadata
        // address included, and relay what answers there as the completion.
        var clientConfiguration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .nanoseconds(configuration.connectTimeout.nanoseconds)))
        clientConfiguration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maximumConnections)
        clientConfiguration.decompression = .disabled
        // No tracer: with the default no-op one the client still parses every request's URL
        // for span attributes nobody reads.
        clientConfiguration.tracing.tracer = nil
        clients = LoopLocalClients(
            group: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration, logger: logger)
        chatTemplate = try? HTTPClient.Request(url: configuration.chatCompletionsURL, method: .POST)
    }

    /// Closes the upstream connections. Call once, when the server stops.
    public func shutdown() async throws {
        try await clients.shutdown()
    }

    /// The generation in the caller's task, each event handed to `sink` as it is parsed.
    public func generate(_ request: GenerationRequest, into sink: (GenerationEvent) -> Void) async throws {
        do {
            try await run(request, into: sink)
        } catch {
            throw Self.backendError(for: error)
        }
    }

    /// One plain (non-streaming) call, made in the caller's task.
    public func complete(_ request: GenerationRequest) async throws -> ChatCompletion {
        do {
            let (response, parts) = try await send(request, streaming: false)
            return try Self.completion(
                from: try await response.collect(startingWith: parts, upTo: Self.maximumResponseBytes), for: request)
        } catch {
            throw Self.backendError(for: error)
        }
    }

    /// The model ids the upstream serves (`GET /v1/models`), to pick one when none is given.
    public func listModels() async throws -> [String] {
        do {
            var request = HTTPClientRequest(url: configuration.modelsURL)
            addAuthorization(to: &request.headers)
            let response = try await clients.current.execute(request, timeout: timeAmount(configuration.readTimeout))
            let body = try await response.body.collect(upTo: Self.maximumResponseBytes)
            guard response.status == .ok else { throw Self.rejection(status: response.status, body: body) }
            return try JSONDecoder().decode(UpstreamWire.ModelList.self, from: Data(body.readableBytesView)).data.map(\.id)
        } catch {
            throw Self.backendError(for: error)
        }
    }

    /// Whether the upstream answers its health check: `GET /health` (vLLM, llama.cpp's server,
    /// which answers 503 while it loads) with `200`, or — for servers without that route —
    /// `GET /v1/models`.
    public func isHealthy(timeout: Duration = .seconds(2)) async -> Bool {
        for url in [configuration.baseURL + "/health", configuration.modelsURL] {
            var request = HTTPClientRequest(url: url)
            addAuthorization(to: &request.headers)
            guard let response = try? await clients.current.execute(request, timeout: timeAmount(timeout)) else {
                return false
            }
            _ = try? await response.body.collect(upTo: 1 << 20)
            if response.status == .ok { return true }
            if response.status != .notFound { return false }
        }
        return false
    }

    /// Whether requests go out with the team's `cache_salt`.
    public var sendsCacheSalt: Bool { salts != nil && saltAccepted.load(ordering: .relaxed) }

    /// Sends a chat request and returns the upstream's `200` response, with the body parts
    /// that came with its head (the rest unread).
    ///
    /// An upstream that refuses the request because of its `cache_salt` (an OpenAI-strict
    /// server: 400 or 422 naming the field) is detected once: said in the log, salts are
    /// turned off for it, and the same request is sent again without one. A refusal that names
    /// the field is only taken as that once a probe of no client text confirms it
    /// (``refusesCacheSalt(_:)``): an engine that quotes the request in its errors would
    /// otherwise let one team turn the salts off for every team with a prompt that says
    /// `cache_salt` (in any spelling that escapes a check of the prompt: attack round 7).
    private func send(_ request: GenerationRequest, streaming: Bool) async throws -> (UpstreamResponse, [UpstreamResponse.Part]) {
        let salted = sendsCacheSalt
        // A non-streamed answer is silent until it is whole: only the request's deadline holds it.
        let response = UpstreamResponse.start(
            try chatRequest(for: request, streaming: streaming, salted: salted), on: clients.current,
            readTimeout: streaming ? configuration.readTimeout : configuration.requestTimeout,
            deadline: .now() + timeAmount(configuration.requestTimeout))
        let (head, parts) = try await response.head()
        guard head.status == .ok else {
            let body = try await response.collect(startingWith: parts, upTo: 64 << 10)
            if salted, head.status == .badRequest || head.status == .unprocessableEntity,
                body.readableBytesView.firstRange(of: Array("cache_salt".utf8)) != nil,
                await refusesCacheSalt(request)
            {
                if saltAccepted.exchange(false, ordering: .relaxed) {
                    logger.warning(
                        "the upstream rejects cache_salt: requests go without it, so teams share its prefix cache",
                        metadata: ["upstream": "\(configuration.baseURL)", "status": "\(head.status.code)"])
                }
                return try await send(request, streaming: streaming)
            }
            throw Self.rejection(status: head.status, body: body)
        }
        return (response, parts)
    }

    /// Whether the upstream refuses `cache_salt` itself: a one-token request with no client
    /// text (`request`'s model and team only) is refused with the salt and answered without
    /// it. Probed at most once per ``saltProbeInterval`` after the upstream last took a salt,
    /// so a team cannot make every request cost two more.
    private func refusesCacheSalt(_ request: GenerationRequest) async -> Bool {
        let now = ContinuousClock.now
        if let accepted = saltLastAccepted.withLock({ $0 }), accepted.duration(to: now) < Self.saltProbeInterval {
            return false
        }
        let probe = GenerationRequest(
            tenant: request.tenant, model: request.model, messages: [ChatTurn(role: .user, content: "Say OK.")],
            sampling: GenerationSampling(temperature: 0, topP: 1, maxTokens: 1), streaming: false)
        func answers(salted: Bool) async -> HTTPResponseStatus? {
            guard let chat = try? chatRequest(for: probe, streaming: false, salted: salted) else { return nil }
            let response = UpstreamResponse.start(
                chat, on: clients.current, readTimeout: configuration.readTimeout,
                deadline: .now() + timeAmount(configuration.readTimeout))
            guard let (head, parts) = try? await response.head() else { return nil }
            _ = try? await response.collect(startingWith: parts, upTo: 64 << 10)
            return head.status
        }
        let salted = await answers(salted: true)
        if salted == .ok {
            saltLastAccepted.withLock { $0 = now }
            return false
        }
        guard salted == .badRequest || salted == .unprocessableEntity else { return false }
        return await answers(salted: false) == .ok
    }

    private func chatRequest(for request: GenerationRequest, streaming: Bool, salted: Bool) throws -> HTTPClient.Request {
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        if streaming { headers.add(name: "Accept", value: "text/event-stream") }
        addAuthorization(to: &headers)
        let body = UpstreamWire.RequestBody(
            request, streaming: streaming, cacheSalt: salted ? salts?.salt(for: request.tenant) : nil)
        var chat = try chatTemplate ?? HTTPClient.Request(url: configuration.chatCompletionsURL, method: .POST)
        chat.headers = headers
        chat.body = .byteBuffer(try body.bytes)
        return chat
    }

    private func run(_ request: GenerationRequest, into sink: (GenerationEvent) -> Void) async throws {
        let (response, parts) = try await send(request, streaming: request.streaming)
        do {
            if request.streaming {
                try await relayStream(response, startingWith: parts, for: request, into: sink)
            } else {
                let body = try await response.collect(startingWith: parts, upTo: Self.maximumResponseBytes)
                let completion = try Self.completion(from: body, for: request)
                sink(.delta(completion.text))
                sink(.finished(completion.usage, completion.finishReason))
            }
        } catch {
            response.cancel()
            throw error
        }
    }

    private func relayStream(
        _ response: UpstreamResponse, startingWith parts: [UpstreamResponse.Part], for request: GenerationRequest,
        into sink: (GenerationEvent) -> Void
    ) async throws {
        var parser = ServerSentEventParser()
        var relay = StreamRelay(
            maximumTextChunks: request.sampling.maxTokens, promptEstimate: TokenEstimate.prompt(of: request.messages))
        var batch = parts
        // Read to the end of the body even after [DONE], so the connection can be reused —
        // unless the upstream ran past max_tokens: then it may never end, and is cut off.
        repeat {
            for case let .body(buffer) in batch {
                try buffer.withUnsafeReadableBytes { bytes in
                    try parser.consume(bytes) { data in try relay.relay(data, into: sink) }
                }
            }
            batch.removeAll(keepingCapacity: true)
            if relay.overran {
                logger.warning(
                    "the upstream streamed past max_tokens: cut off", metadata: ["upstream": "\(configuration.baseURL)"])
                response.cancel()
                break
            }
        } while try await response.body(into: &batch)
        if !relay.isDone {
            try parser.finish { data in try relay.relay(data, into: sink) }
        }
        guard case let .finished(usage, reason) = relay.finalEvent() else {
            throw BackendError.malformedResponse("the stream ended before a finish_reason or [DONE]")
        }
        sink(.finished(Self.bounded(usage, for: request), reason))
    }

    /// The usage an upstream reported, held to what the request can have used: completion tokens
    /// up to the `max_tokens` it was sent, prompt tokens up to one per byte of its messages plus
    /// the chat template's (``TokenEstimate/promptCeiling(of:)``) — a broken or hostile engine
    /// reporting 2³² prompt tokens would otherwise spend a team's budget in one answer.
    static func bounded(_ usage: Usage, for request: GenerationRequest) -> Usage {
        usage.completion(atMost: request.sampling.maxTokens).prompt(atMost: TokenEstimate.promptCeiling(of: request.messages))
    }

    /// The answer of a non-streamed call, its usage ``bounded(_:for:)``.
    static func completion(from body: ByteBuffer, for request: GenerationRequest) throws -> ChatCompletion {
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
        // An upstream that reports no usage (or no count) is charged by estimate (4 bytes a
        // token), never free.
        let estimate = Usage(
            promptTokens: TokenEstimate.prompt(of: request.messages), completionTokens: TokenEstimate.tokens(inText: text))
        let usage = bounded(completion.usage?.usage ?? estimate, for: request)
        return ChatCompletion(text: text, usage: usage, finishReason: UpstreamWire.finishReason(choice.finishReason) ?? .stop)
    }

    private func addAuthorization(to headers: inout HTTPHeaders) {
        if let apiKey = configuration.apiKey { headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
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
        case let error as HTTPClientError where error == .connectTimeout:
            // The request never reached the engine: another upstream may take it.
            return BackendError.unreachable("\(error)")
        case let error as HTTPClientError where error == .readTimeout || error == .deadlineExceeded:
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
