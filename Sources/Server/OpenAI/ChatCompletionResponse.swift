import Gateway

/// A whole `chat.completion`, plus Atrium's `sources` (the team knowledge the answer used)
/// and, when the answer came from the team's response cache, `"cached": true`.
struct ChatCompletionResponse: Encodable {
    let answer: ChatAnswer
    private var completion: ChatCompletion { answer.completion }

    enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage, sources, cached }
    enum ChoiceKeys: String, CodingKey { case index, message, logprobs, finishReason = "finish_reason" }
    enum MessageKeys: String, CodingKey { case role, content }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(answer.id, forKey: .id)
        try container.encode("chat.completion", forKey: .object)
        try container.encode(answer.created, forKey: .created)
        try container.encode(answer.model, forKey: .model)
        var choices = container.nestedUnkeyedContainer(forKey: .choices)
        var choice = choices.nestedContainer(keyedBy: ChoiceKeys.self)
        try choice.encode(0, forKey: .index)
        var message = choice.nestedContainer(keyedBy: MessageKeys.self, forKey: .message)
        try message.encode("assistant", forKey: .role)
        try message.encode(completion.text, forKey: .content)
        try choice.encodeNil(forKey: .logprobs)
        try choice.encode(completion.finishReason.rawValue, forKey: .finishReason)
        try container.encode(completion.usage, forKey: .usage)
        try container.encode(answer.sources, forKey: .sources)
        if answer.cached { try container.encode(true, forKey: .cached) }
    }
}

/// One `chat.completion.chunk` of a stream, in OpenAI's exact layout: the first carries the
/// assistant role (and Atrium's `sources`), the middle ones text, the last content chunk the
/// `finish_reason`; with `stream_options.include_usage` every chunk has `"usage": null` and a
/// final chunk with no choices carries the usage. Every chunk of an answer replayed from the
/// team's response cache says `"cached": true`.
struct ChatCompletionChunk: Encodable {
    enum Payload {
        case role
        case text(String)
        case finish(FinishReason)
        case usage(Usage)
    }

    let execution: ChatExecution
    let payload: Payload
    let includeUsage: Bool

    enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage, sources, cached }
    enum ChoiceKeys: String, CodingKey { case index, delta, logprobs, finishReason = "finish_reason" }
    enum DeltaKeys: String, CodingKey { case role, content }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(execution.id, forKey: .id)
        try container.encode("chat.completion.chunk", forKey: .object)
        try container.encode(execution.created, forKey: .created)
        try container.encode(execution.model, forKey: .model)
        if execution.cached { try container.encode(true, forKey: .cached) }
        var choices = container.nestedUnkeyedContainer(forKey: .choices)
        if case let .usage(usage) = payload {
            try container.encode(usage, forKey: .usage)
            return
        }
        var choice = choices.nestedContainer(keyedBy: ChoiceKeys.self)
        try choice.encode(0, forKey: .index)
        var delta = choice.nestedContainer(keyedBy: DeltaKeys.self, forKey: .delta)
        switch payload {
        case .role:
            try delta.encode("assistant", forKey: .role)
            try delta.encode("", forKey: .content)
            try container.encode(execution.sources, forKey: .sources)
        case let .text(text):
            try delta.encode(text, forKey: .content)
        case .finish, .usage:
            break
        }
        try choice.encodeNil(forKey: .logprobs)
        if case let .finish(reason) = payload {
            try choice.encode(reason.rawValue, forKey: .finishReason)
        } else {
            try choice.encodeNil(forKey: .finishReason)
        }
        if includeUsage { try container.encodeNil(forKey: .usage) }
    }
}
