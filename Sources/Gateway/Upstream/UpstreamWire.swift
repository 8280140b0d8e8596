import Inference
import NIOCore

/// The OpenAI chat-completions JSON as an upstream speaks it: the body sent, and the parts
/// of the answers read back (everything else is ignored).
enum UpstreamWire {
    /// The chat request sent upstream, written by hand into one buffer (``JSONText``): it is
    /// written for every request, and `JSONEncoder` was a tenth of a request's CPU before its
    /// first token. `UpstreamBackendTests` reads what it writes back with `JSONSerialization`.
    struct RequestBody {
        let request: GenerationRequest
        let streaming: Bool
        /// The team's prefix-cache salt (vLLM); left out when nil.
        let cacheSalt: String?

        init(_ request: GenerationRequest, streaming: Bool, cacheSalt: String? = nil) {
            self.request = request
            self.streaming = streaming
            self.cacheSalt = cacheSalt
        }

        /// The body as JSON bytes.
        var bytes: ByteBuffer {
            get throws {
                var buffer = ByteBuffer()
                try write(to: &buffer)
                return buffer
            }
        }

        func write(to buffer: inout ByteBuffer) throws {
            let sampling = request.sampling
            buffer.writeStaticString(#"{"model":"#)
            JSONText.writeString(request.model, to: &buffer)
            buffer.writeStaticString(#","messages":["#)
            for (index, message) in request.messages.enumerated() {
                buffer.writeStaticString(index == 0 ? #"{"role":"# : #",{"role":"#)
                JSONText.writeString(message.role.rawValue, to: &buffer)
                buffer.writeStaticString(#","content":"#)
                JSONText.writeString(message.content, to: &buffer)
                buffer.writeStaticString("}")
            }
            buffer.writeStaticString(#"],"temperature":"#)
            try JSONText.writeNumber(sampling.temperature, to: &buffer)
            buffer.writeStaticString(#","top_p":"#)
            try JSONText.writeNumber(sampling.topP, to: &buffer)
            buffer.writeStaticString(#","max_tokens":"#)
            JSONText.writeNumber(sampling.maxTokens, to: &buffer)
            if !sampling.stop.isEmpty {
                buffer.writeStaticString(#","stop":["#)
                for (index, stop) in sampling.stop.enumerated() {
                    if index > 0 { buffer.writeStaticString(",") }
                    JSONText.writeString(stop, to: &buffer)
                }
                buffer.writeStaticString("]")
            }
            if let seed = sampling.seed {
                // As the client sent it: a seed of -1 once went out as 18446744073709551615,
                // beyond what engines take (vLLM and torch take 64-bit signed values).
                buffer.writeStaticString(#","seed":"#)
                JSONText.writeNumber(Int64(bitPattern: seed), to: &buffer)
            }
            buffer.writeStaticString(streaming ? #","stream":true,"stream_options":{"include_usage":true}"# : #","stream":false"#)
            if let cacheSalt {
                buffer.writeStaticString(#","cache_salt":"#)
                JSONText.writeString(cacheSalt, to: &buffer)
            }
            // Left out at their defaults, so engines that lack these fields still work.
            if sampling.frequencyPenalty != 0 {
                buffer.writeStaticString(#","frequency_penalty":"#)
                try JSONText.writeNumber(sampling.frequencyPenalty, to: &buffer)
            }
            if sampling.presencePenalty != 0 {
                buffer.writeStaticString(#","presence_penalty":"#)
                try JSONText.writeNumber(sampling.presencePenalty, to: &buffer)
            }
            if !sampling.logitBias.isEmpty {
                // Token ids as object keys, as OpenAI writes them.
                buffer.writeStaticString(#","logit_bias":{"#)
                for (index, (token, bias)) in sampling.logitBias.sorted(by: { $0.key < $1.key }).enumerated() {
                    buffer.writeStaticString(index == 0 ? #"""# : #",""#)
                    JSONText.writeNumber(token, to: &buffer)
                    buffer.writeStaticString(#"":"#)
                    try JSONText.writeNumber(bias, to: &buffer)
                }
                buffer.writeStaticString("}")
            }
            // vLLM and llama.cpp's server hold their sampling to one JSON object.
            if sampling.format == .jsonObject {
                buffer.writeStaticString(#","response_format":{"type":"json_object"}"#)
            }
            buffer.writeStaticString("}")
        }
    }

    /// The `usage` an upstream reports, as it reports it. A negative count is no count (the
    /// usage was clamped to zero, and a broken engine's answers went free — attack round 7):
    /// such a report is taken as none, and the request is charged by estimate.
    struct ReportedUsage: Decodable {
        let promptTokens: Int?
        let completionTokens: Int?

        init(promptTokens: Int?, completionTokens: Int?) {
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
        }

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
        }

        /// The usage to charge, nil when the report is no count.
        var usage: Usage? {
            guard (promptTokens ?? 0) >= 0, (completionTokens ?? 0) >= 0 else { return nil }
            return Usage(promptTokens: promptTokens ?? 0, completionTokens: completionTokens ?? 0)
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
        let usage: ReportedUsage?
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
        let usage: ReportedUsage?
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
