import Gateway
import Inference

/// The body of `POST /v1/chat/completions`, as OpenAI clients send it. Fields that do not
/// change the answer (`user`, `metadata`, `store`, …) are accepted and ignored, as
/// OpenAI-compatible servers do; wrongly typed fields are refused, and so is what would change
/// the answer but is not supported (`n` above 1, tools, log probabilities, `json_schema`) —
/// a client relying on it is told rather than silently given something else.
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
    let frequencyPenalty: Double?
    let presencePenalty: Double?
    let logitBias: [Int: Double]
    let format: OutputFormat

    enum CodingKeys: String, CodingKey {
        case model, messages, stream, temperature, stop, seed, n, tools, functions, logprobs
        case toolChoice = "tool_choice"
        case functionCall = "function_call"
        case topLogprobs = "top_logprobs"
        case frequencyPenalty = "frequency_penalty"
        case presencePenalty = "presence_penalty"
        case logitBias = "logit_bias"
        case responseFormat = "response_format"
        case streamOptions = "stream_options"
        case topP = "top_p"
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
    }

    struct StreamOptions: Decodable {
        let includeUsage: Bool?
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    /// `{"type": "text" | "json_object" | "json_schema", …}` (llama.cpp's server also takes a
    /// `schema` beside `json_object`: refused, as `json_schema` is).
    struct ResponseFormat: Decodable {
        let type: String
        let hasSchema: Bool

        enum CodingKeys: String, CodingKey { case type, schema }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decode(String.self, forKey: .type)
            hasSchema = try container.contains(.schema) && !container.decodeNil(forKey: .schema)
        }
    }

    /// Any JSON value, read only to be counted (`tools` entries).
    private struct Skipped: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        messages = try container.decode([Message].self, forKey: .messages)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream) ?? false
        includeUsage = try container.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)?.includeUsage ?? false
        temperature = try container.decodeIfPresent(Double.self, forKey: .temperature)
        topP = try container.decodeIfPresent(Double.self, forKey: .topP)
        // Both read, so a broken `max_tokens` beside `max_completion_tokens` is refused too.
        let maxCompletionTokens = try container.wholeNumber(forKey: .maxCompletionTokens, in: ClientNumbers.maxTokens)
        let legacyMaxTokens = try container.wholeNumber(forKey: .maxTokens, in: ClientNumbers.maxTokens)
        maxTokens = maxCompletionTokens ?? legacyMaxTokens
        stop = try Self.decodeStop(container)
        seed = try container.wholeNumber(forKey: .seed).map(Int64.init)
        if let choices = try container.wholeNumber(forKey: .n), choices != 1 {
            throw GatewayError.invalid("Only one choice is generated: 'n' must be 1", param: "n")
        }
        frequencyPenalty = try container.decodeIfPresent(Double.self, forKey: .frequencyPenalty)
        presencePenalty = try container.decodeIfPresent(Double.self, forKey: .presencePenalty)
        logitBias = try Self.decodeLogitBias(container)
        format = try Self.decodeFormat(container)
        try Self.refuseUnsupported(container)
        try Self.refuseUnsupported(try decoder.container(keyedBy: FieldName.self))
    }

    /// Fields of other servers and of newer OpenAI models that would change the answer and
    /// are not supported here: engine sampling extensions (vLLM's, llama.cpp's), their
    /// grammar-constrained output, audio and web search. Given (and not null), they are
    /// refused by name rather than silently ignored; `modalities` passes as `["text"]` only.
    static let unsupportedFields = [
        "top_k", "min_p", "typical_p", "repetition_penalty", "repeat_penalty", "repeat_last_n", "mirostat",
        "min_tokens", "ignore_eos", "best_of", "use_beam_search", "guided_json", "guided_regex", "guided_choice",
        "guided_grammar", "structured_outputs", "grammar", "json_schema", "audio", "web_search_options",
        "reasoning_effort", "prediction",
    ]

    /// Any member name, for the fields the body type does not model.
    private struct FieldName: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static func refuseUnsupported(_ fields: KeyedDecodingContainer<FieldName>) throws {
        for name in unsupportedFields {
            let key = FieldName(stringValue: name)
            if fields.contains(key), try !fields.decodeNil(forKey: key) {
                throw GatewayError.invalid("'\(name)' is not supported by this server", param: name)
            }
        }
        let modalities = FieldName(stringValue: "modalities")
        if fields.contains(modalities), try !fields.decodeNil(forKey: modalities),
            (try? fields.decode([String].self, forKey: modalities)) != ["text"]
        {
            throw GatewayError.invalid("Only text output is supported: 'modalities' may only be [\"text\"]", param: "modalities")
        }
    }

    /// `logit_bias`: token ids (as JSON object keys) → numbers.
    private static func decodeLogitBias(_ container: KeyedDecodingContainer<CodingKeys>) throws -> [Int: Double] {
        guard let keyed = try container.decodeIfPresent([String: Double].self, forKey: .logitBias) else { return [:] }
        var bias: [Int: Double] = [:]
        for (key, value) in keyed {
            // Plain decimal only: "01", "+1" and "-0" would name token 1 or 0 a second time, and
            // which of two such entries won would depend on the dictionary's order.
            guard let id = Int(key), id >= 0, String(id) == key else {
                throw GatewayError.invalid(
                    "'logit_bias' keys must be token ids written as plain decimal numbers, not '\(key.prefix(32))'",
                    param: "logit_bias")
            }
            bias[id] = value
        }
        return bias
    }

    private static func decodeFormat(_ container: KeyedDecodingContainer<CodingKeys>) throws -> OutputFormat {
        guard let format = try container.decodeIfPresent(ResponseFormat.self, forKey: .responseFormat) else {
            return .text
        }
        switch format.type {
        case "text": return .text
        case "json_object" where format.hasSchema:
            throw GatewayError.invalid(
                "'response_format' with a 'schema' is not supported; 'json_object' without one holds the answer to one JSON object",
                param: "response_format")
        case "json_object": return .jsonObject
        case "json_schema":
            throw GatewayError.invalid(
                "'response_format' type 'json_schema' is not supported; 'json_object' holds the answer to one JSON object",
                param: "response_format")
        default:
            throw GatewayError.invalid(
                "'response_format' type must be 'text' or 'json_object', not '\(format.type.prefix(32))'",
                param: "response_format")
        }
    }

    /// Tool calling and log probabilities are not supported: asked for, they are refused.
    /// Their "off" values (`tools: []`, `tool_choice: "none"`, `logprobs: false`) pass, as
    /// some clients always send them.
    private static func refuseUnsupported(_ container: KeyedDecodingContainer<CodingKeys>) throws {
        for key in [CodingKeys.tools, .functions] {
            if let entries = try container.decodeIfPresent([Skipped].self, forKey: key), !entries.isEmpty {
                throw GatewayError.invalid("Tool calling is not supported: '\(key.stringValue)' must be empty", param: key.stringValue)
            }
        }
        for key in [CodingKeys.toolChoice, .functionCall] {
            if let choice = try? container.decodeIfPresent(String.self, forKey: key), choice == "none" || choice == "auto" {
                continue
            }
            if container.contains(key), try !container.decodeNil(forKey: key) {
                throw GatewayError.invalid(
                    "Tool calling is not supported: '\(key.stringValue)' may only be \"none\" or \"auto\"",
                    param: key.stringValue)
            }
        }
        if try container.decodeIfPresent(Bool.self, forKey: .logprobs) == true {
            throw GatewayError.invalid("Log probabilities are not supported: 'logprobs' must be false", param: "logprobs")
        }
        if let count = try container.wholeNumber(forKey: .topLogprobs), count != 0 {
            throw GatewayError.invalid("Log probabilities are not supported: 'top_logprobs' must be 0", param: "top_logprobs")
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
            stop: stop, seed: seed.map { UInt64(bitPattern: $0) }, frequencyPenalty: frequencyPenalty,
            presencePenalty: presencePenalty, logitBias: logitBias, format: format, streaming: stream)
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
            // Named only in a refusal: no path is built for a message that passes.
            var field: String { JSONBody.path(decoder.codingPath) }
            let roleName = try container.decode(String.self, forKey: .role)
            guard let role = ChatRole(openAIRole: roleName) else {
                throw GatewayError.invalid(
                    "Unknown role '\(roleName)' in '\(field)': use system, developer, user or assistant",
                    param: "\(field).role")
            }
            turn = ChatTurn(role: role, content: try Self.content(container, role: role, field: field))
        }

        private static func content(
            _ container: KeyedDecodingContainer<CodingKeys>, role: ChatRole, field: @autoclosure () -> String
        ) throws -> String {
            if try container.decodeNil(forKey: .content) {
                guard role == .assistant else {
                    let field = field()
                    throw GatewayError.invalid("'\(field).content' must not be null", param: "\(field).content")
                }
                return ""
            }
            if let text = try? container.decode(String.self, forKey: .content) { return text }
            let parts = try container.decode([Part].self, forKey: .content)
            return try parts.map { part in
                guard part.type == "text" else {
                    throw GatewayError.invalid(
                        "Only text content parts are supported, not '\(part.type.prefix(32))'", param: "\(field()).content")
                }
                guard let text = part.text else {
                    throw GatewayError.invalid("A text content part needs its 'text'", param: "\(field()).content")
                }
                return text
            }.joined(separator: "\n")
        }
    }
}
