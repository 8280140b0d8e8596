import Foundation

/// Turns the `data` of each upstream stream event into ``GenerationEvent``s: text as it
/// comes, then one `finished` with the usage the upstream reported.
///
/// Upstreams put usage on the chunk carrying `finish_reason` or on a chunk of its own after
/// it, so the final event is only made once the stream ends (`[DONE]` or end of body). An
/// upstream that reports no usage at all is counted one completion token per text chunk (how
/// vLLM and llama.cpp stream) and no prompt tokens.
struct StreamRelay {
    private(set) var isDone = false
    private var finishReason: FinishReason?
    private var usage: Usage?
    private var textChunks = 0

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
        if let reported = chunk.usage { usage = reported }
        for choice in chunk.choices ?? [] {
            if let text = choice.delta?.content, !text.isEmpty {
                textChunks += 1
                sink(.delta(text))
            }
            if let reason = UpstreamWire.finishReason(choice.finishReason) { finishReason = reason }
        }
    }

    /// The fast path: the same reading of the chunk as the decoder's, from ``ChunkScanner``.
    private mutating func relay(_ chunk: ChunkScanner.Chunk, into sink: (GenerationEvent) -> Void) {
        if chunk.hasUsage {
            usage = Usage(promptTokens: chunk.promptTokens ?? 0, completionTokens: chunk.completionTokens ?? 0)
        }
        textChunks += chunk.texts.count
        for reason in chunk.finishReasons {
            if let reason = UpstreamWire.finishReason(reason) { finishReason = reason }
        }
        for text in chunk.texts { sink(.delta(text)) }
    }

    /// The `finished` event, or `nil` when the stream never said how it ended.
    func finalEvent() -> GenerationEvent? {
        guard let finishReason else { return isDone ? .finished(counted, .stop) : nil }
        return .finished(counted, finishReason)
    }

    private var counted: Usage { usage ?? Usage(promptTokens: 0, completionTokens: textChunks) }
}
