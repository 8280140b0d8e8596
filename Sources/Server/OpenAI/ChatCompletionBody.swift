import Gateway

/// The body of `POST /v1/chat/completions`, as OpenAI clients send it. Fields Atrium does not
/// use (`n` = 1, penalties, `user`, …) are accepted and ignored, as OpenAI-compatible
/// servers do; wrongly typed fields are refused.
struct ChatCompletionBody: Decodable {
    let model: String?
    let messages: [Message]
    let stream: Bool
    let includeUsage: Bool
    let temperature: Double?
    let topP: Double?
    let maxTokens: Int?
    let stop: [String]
    let seed: Int64?

    enum CodingKeys: String, CodingKey {
        case model, messages, stream, temperature, stop, seed, n
        case streamOptions = "stream_options"
        case topP = "top_p"
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
    }

    struct StreamOptions: Decodable {
        let includeUsage: Bool?
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        messages = try container.decode([Message].self, forKey: .messages)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream) ?? false
        includeUsage = try container.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)?.includeUsage ?? false
        temperature = try container.decodeIfPresent(Double.self, forKey: .temperature)
        topP = try container.decodeIfPresent(Double.self, forKey: .topP)
        maxTokens =
            try container.wholeNumber(forKey: .maxCompletionTokens, in: ClientNumbers.maxTokens)
            ?? container.wholeNumber(forKey: .maxTokens, in: ClientNumbers.maxTokens)
        stop = try Self.decodeStop(container)
        seed = try container.wholeNumber(forKey: .seed).map(Int64.init)
        if let choices = try container.wholeNumber(forKey: .n), choices != 1 {
            throw GatewayError.invalid("Only one choice is generated: 'n' must be 1", param: "n")
        }
    }

    /// `stop` is a string, an array of strings, or null.
    private static func decodeStop(_ container: KeyedDecodingContainer<CodingKeys>) throws -> [String] {
        if let single = try? container.decodeIfPresent(String.self, forKey: .stop) { return [single] }
        return try container.decodeIfPresent([String].self, forKey: .stop) ?? []
    }

    /// The request in the gateway's terms.
    var chatRequest: ChatRequest {
        ChatRequest(
            messages: messages.map(\.turn), model: model, temperature: temperature, topP: topP, maxTokens: maxTokens,
            stop: stop, seed: seed.map { UInt64(bitPattern: $0) }, streaming: stream)
    }

    /// One message: a known role, and content as a string or as text parts.
    struct Message: Decodable {
        let turn: ChatTurn

        enum CodingKeys: String, CodingKey { case role, content }

        struct Part: Decodable {
            let type: String
            let text: String?
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let field = JSONBody.path(decoder.codingPath)
            let roleName = try container.decode(String.self, forKey: .role)
            guard let role = ChatRole(openAIRole: roleName) else {
                throw GatewayError.invalid(
                    "Unknown role '\(roleName)' in '\(field)': use system, developer, user or assistant",
                    param: "\(field).role")
            }
            turn = ChatTurn(role: role, content: try Self.content(container, role: role, field: field))
        }

        private static func content(_ container: KeyedDecodingContainer<CodingKeys>, role: ChatRole, field: String) throws
            -> String
        {
            if try container.decodeNil(forKey: .content) {
                guard role == .assistant else {
                    throw GatewayError.invalid("'\(field).content' must not be null", param: "\(field).content")
                }
                return ""
            }
            if let text = try? container.decode(String.self, forKey: .content) { return text }
            let parts = try container.decode([Part].self, forKey: .content)
            return try parts.map { part in
                guard part.type == "text", let text = part.text else {
                    throw GatewayError.invalid(
                        "Only text content parts are supported, not '\(part.type)'", param: "\(field).content")
                }
                return text
            }.joined(separator: "\n")
        }
    }
}
