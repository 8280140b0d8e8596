import Inference

/// The OpenAI chat-completions JSON as an upstream speaks it: the body sent, and the parts
/// of the answers read back (everything else is ignored).
enum UpstreamWire {
    struct RequestBody: Encodable {
        struct Message: Encodable {
            let role: String
            let content: String
        }
        struct ResponseFormat: Encodable {
            let type: String
        }
        struct StreamOptions: Encodable {
            let includeUsage: Bool
            enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
        }

        let model: String
        let messages: [Message]
        let temperature: Double
        let topP: Double
        let maxTokens: Int
        let stop: [String]?
        /// As the client sent it: a seed of -1 went out as 18446744073709551615, beyond what
        /// engines take (vLLM and torch take 64-bit signed values).
        let seed: Int64?
        let stream: Bool
        let streamOptions: StreamOptions?
        /// The team's prefix-cache salt (vLLM); left out when nil.
        let cacheSalt: String?
        /// Left out when 0, like the other optional fields, so engines that lack them still work.
        let frequencyPenalty: Double?
        let presencePenalty: Double?
        /// Token ids as object keys, as OpenAI writes them; left out when empty.
        let logitBias: [String: Double]?
        /// `json_object` when the answer must be one JSON object (vLLM and llama.cpp's server
        /// hold their sampling to it); left out for text.
        let responseFormat: ResponseFormat?

        enum CodingKeys: String, CodingKey {
            case model, messages, temperature, stop, seed, stream
            case frequencyPenalty = "frequency_penalty"
            case presencePenalty = "presence_penalty"
            case logitBias = "logit_bias"
            case responseFormat = "response_format"
            case topP = "top_p"
            case maxTokens = "max_tokens"
            case streamOptions = "stream_options"
            case cacheSalt = "cache_salt"
        }

        init(_ request: GenerationRequest, streaming: Bool, cacheSalt: String? = nil) {
            self.cacheSalt = cacheSalt
            model = request.model
            messages = request.messages.map { Message(role: $0.role.rawValue, content: $0.content) }
            temperature = request.sampling.temperature
            topP = request.sampling.topP
            maxTokens = request.sampling.maxTokens
            stop = request.sampling.stop.isEmpty ? nil : request.sampling.stop
            seed = request.sampling.seed.map { Int64(bitPattern: $0) }
            frequencyPenalty = request.sampling.frequencyPenalty == 0 ? nil : request.sampling.frequencyPenalty
            presencePenalty = request.sampling.presencePenalty == 0 ? nil : request.sampling.presencePenalty
            logitBias = request.sampling.logitBias.isEmpty
                ? nil : Dictionary(uniqueKeysWithValues: request.sampling.logitBias.map { (String($0.key), $0.value) })
            responseFormat = request.sampling.format == .jsonObject ? ResponseFormat(type: "json_object") : nil
            stream = streaming
            streamOptions = streaming ? StreamOptions(includeUsage: true) : nil
        }
    }

    /// A non-streaming `chat.completion`.
    struct Completion: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable { let content: String? }
            let message: Message?
            let finishReason: String?
            enum CodingKeys: String, CodingKey {
                case message
                case finishReason = "finish_reason"
            }
        }
        let choices: [Choice]
        let usage: Usage?
    }

    /// One `chat.completion.chunk` of a stream (or an error object some servers send instead).
    struct Chunk: Decodable {
        struct Choice: Decodable {
            struct Delta: Decodable { let content: String? }
            let delta: Delta?
            let finishReason: String?
            enum CodingKeys: String, CodingKey {
                case delta
                case finishReason = "finish_reason"
            }
        }
        let choices: [Choice]?
        let usage: Usage?
        let error: ErrorBody?
    }

    /// `{"error": {"message": …}}`, the OpenAI error shape.
    struct ErrorEnvelope: Decodable {
        let error: ErrorBody
    }

    struct ErrorBody: Decodable {
        let message: String?
    }

    /// `GET /v1/models`.
    struct ModelList: Decodable {
        struct Model: Decodable { let id: String }
        let data: [Model]
    }

    static func finishReason(_ text: String?) -> FinishReason? {
        switch text {
        case nil: nil
        case "length": .length
        case "content_filter": .contentFilter
        default: .stop
        }
    }
}
