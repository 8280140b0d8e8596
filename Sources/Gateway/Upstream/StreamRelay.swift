import Foundation

/// Turns the `data` of each upstream stream event into ``GenerationEvent``s: text as it
/// comes, then one `finished` with the usage the upstream reported.
///
/// Upstreams put usage on the chunk carrying `finish_reason` or on a chunk of its own after
/// it, so the final event is only made once the stream ends (`[DONE]` or end of body). An
/// upstream that reports no usage at all is counted one completion token per text chunk (how
/// vLLM and llama.cpp stream) and the caller's estimate of the prompt — never free.
struct StreamRelay {
    /// Text chunks relayed at most: an engine streams at most one per token, so past the
    /// request's `max_tokens` the upstream is running away — the stream ends there, as
    /// `length` (a relay of 37,450 tokens for `max_tokens` 5, charged, was seen).
    let maximumTextChunks: Int
    /// The prompt tokens counted when the upstream reports no usage.
    let promptEstimate: Int
    /// Whether the upstream sent text past ``maximumTextChunks`` (then the stream is done).
    private(set) var overran = false
    private(set) var isDone = false
    private var finishReason: FinishReason?
    private var usage: Usage?
    private var textChunks = 0

    init(maximumTextChunks: Int = .max, promptEstimate: Int = 0) {
        self.maximumTextChunks = maximumTextChunks
        self.promptEstimate = promptEstimate
    }

    /// Reads one event's data, handing the text it carries to `sink`.
    mutating func relay(_ data: UnsafeBufferPointer<UInt8>, into sink: (GenerationEvent) -> Void) throws {
        guard !isDone else { return }
        if data.elementsEqual("[DONE]".utf8) {
            isDone = true
            return
        }
        if let scanned = ChunkScanner.scan(data) { return relay(scanned, into: sink) }
        let chunk: UpstreamWire.Chunk
        do {
            // As text first: invalid UTF-8 is repaired, as the fast path's strings are. A decoder
            // only here, where the scanner gave up (rare), not one per stream.
            chunk = try JSONDecoder().decode(UpstreamWire.Chunk.self, from: Data(String(decoding: data, as: UTF8.self).utf8))
        } catch {
            throw BackendError.malformedResponse("a stream event is not valid chat.completion.chunk JSON")
        }
        if let error = chunk.error {
            throw BackendError.rejected(status: 200, message: error.message ?? "the upstream reported an error mid-stream")
        }
        if let reported = chunk.usage?.usage { usage = reported }
        for choice in chunk.choices ?? [] {
            if let text = choice.delta?.content, !text.isEmpty {
                guard relayText(text, into: sink) else { return }
            }
            if let reason = UpstreamWire.finishReason(choice.finishReason) { finishReason = reason }
        }
    }

    /// Passes one text chunk on, or ends the stream when it is one past the maximum.
    private mutating func relayText(_ text: String, into sink: (GenerationEvent) -> Void) -> Bool {
        guard textChunks < maximumTextChunks else {
            overran = true
            isDone = true
            finishReason = .length
            return false
        }
        textChunks += 1
        sink(.delta(text))
        return true
    }

    /// The fast path: the same reading of the chunk as the decoder's, from ``ChunkScanner``.
    private mutating func relay(_ chunk: ChunkScanner.Chunk, into sink: (GenerationEvent) -> Void) {
        if chunk.hasUsage,
            let reported = UpstreamWire.ReportedUsage(
                promptTokens: chunk.promptTokens, completionTokens: chunk.completionTokens
            ).usage
        {
            usage = reported
        }
        for text in chunk.texts {
            guard relayText(text, into: sink) else { return }
        }
        for reason in chunk.finishReasons {
            if let reason = UpstreamWire.finishReason(reason) { finishReason = reason }
        }
    }

    /// The `finished` event, or `nil` when the stream never said how it ended.
    func finalEvent() -> GenerationEvent? {
        guard let finishReason else { return isDone ? .finished(counted, .stop) : nil }
        return .finished(counted, finishReason)
    }

    private var counted: Usage { usage ?? Usage(promptTokens: promptEstimate, completionTokens: textChunks) }
}
