import Foundation
import Gateway
import Hummingbird
import NIOCore
import Tenancy

/// The members' playground: one question at a time to the team's model through the same
/// ``ChatPipeline`` as `POST /v1/chat/completions` (profile, retrieval, guardrails, limits,
/// response cache, audit), streamed to the page's script as server-sent events —
/// `{"sources":[…]}` first (document name, chunk and section of each), then `{"delta":"…"}`
/// pieces, then `{"done":"stop"}`, or one `{"error":"…"}`. The page offers the team's chat
/// models: those served here that its profile allows (`GET /v1/models`, less the embedding
/// model); the pipeline still refuses any other a request names.
struct PlaygroundPage<Context: ConsoleRequestContext> {
    let routes: ConsoleRoutes<Context>
    static var maximumMessageCharacters: Int { 16_000 }

    struct Question: Decodable {
        let message: String
        /// A model id of the page's list; nil for the served default.
        let model: String?
    }

    func register(on router: some RouterMethods<Context>) {
        router.get("/console/playground") { request, context in
            try await routes.page(request, context) { signedIn in
                // The page is for those who may chat; the API would refuse the rest anyway.
                let scope = try Authorizer.dataScope(of: signedIn.principal, for: .chat, audit: signedIn.audit)
                let chatModels = Set(routes.gateway.catalog.chatModels)
                let models = try await routes.gateway.pipeline.models(in: scope, created: routes.gateway.startedAt)
                    .map(\.id).filter(chatModels.contains)
                var view = signedIn.view(current: "/console/playground")
                view["models"] = models.enumerated().map { ["id": $1, "selected": $0 == 0] as [String: Any] }
                return routes.templates.render("playground", view)
            }
        }
        router.post("/console/playground/chat") { request, context in
            try await routes.handle(request, context, action: Action.chat.rawValue, changesState: true) { signedIn in
                try await chat(signedIn)
            }
        }
    }

    private func chat(_ signedIn: SignedInRequest) async throws -> Response {
        var request = signedIn.request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: routes.configuration.maximumFormBytes)
        } catch {
            throw ConsoleFailure.tooLarge
        }
        guard let question = try? JSONDecoder().decode(Question.self, from: Data(body.readableBytesView)) else {
            throw ConsoleFailure.invalid("must be a JSON object with a \"message\" string", field: "message")
        }
        let message = question.message.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !message.isEmpty, message.count <= Self.maximumMessageCharacters else {
            throw ConsoleFailure.invalid("must be 1 to \(Self.maximumMessageCharacters) characters", field: "message")
        }
        if let model = question.model {
            guard !model.isEmpty, model.utf8.count <= 128,
                !model.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else { throw ConsoleFailure.invalid("must be one of the team's models", field: "model") }
        }
        let scope = try Authorizer.dataScope(of: signedIn.principal, for: .chat, audit: signedIn.audit)
        let execution = try await routes.gateway.pipeline.chat(
            ChatRequest(messages: [ChatTurn(role: .user, content: message)], model: question.model, streaming: true),
            in: scope, audit: signedIn.audit)
        var headers = ConsoleResponse.headers(contentType: "text/event-stream; charset=utf-8")
        headers[.cacheControl] = "no-store"
        let sources = execution.sources.map {
            [
                "document": $0.documentName, "document_id": $0.documentID, "chunk": "\($0.chunkIndex)",
                "section": $0.section ?? "",
            ]
        }
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await writer.write(Self.event(["sources": sources]))
                do {
                    for try await event in execution.events {
                        switch event {
                        case .delta(let text) where !text.isEmpty:
                            try await writer.write(Self.event(["delta": text]))
                        case .delta:
                            break
                        case .finished(_, let reason):
                            try await writer.write(Self.event(["done": reason.rawValue]))
                        }
                    }
                } catch {
                    execution.cancel()
                    try await writer.write(Self.event(["error": ConsoleFailure.from(error).message]))
                }
                try await writer.finish(nil)
            })
    }

    static func event(_ payload: [String: Any]) -> ByteBuffer {
        let json = (try? JSONSerialization.data(withJSONObject: payload)) ?? Data("{}".utf8)
        var buffer = ByteBuffer(string: "data: ")
        buffer.writeBytes(json)
        buffer.writeString("\n\n")
        return buffer
    }
}
