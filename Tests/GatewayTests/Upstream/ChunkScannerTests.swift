import Foundation
@testable import Gateway
import Testing

extension ChunkScanner {
    /// The chunk `text` holds (the relay scans an event's bytes).
    static func scan(_ text: String) -> Chunk? {
        var text = text
        return text.withUTF8 { scan($0) }
    }
}

/// The relay's fast reading of stream chunks agrees with `JSONDecoder` on every chunk it
/// accepts, and leaves everything it does not fully understand to the decoder.
@Suite struct ChunkScannerTests {
    /// The decoder's reading, in the scanner's terms.
    private static func decoded(_ text: String) throws -> ChunkScanner.Chunk {
        let chunk = try JSONDecoder().decode(UpstreamWire.Chunk.self, from: Data(text.utf8))
        var expected = ChunkScanner.Chunk()
        for choice in chunk.choices ?? [] {
            if let content = choice.delta?.content, !content.isEmpty { expected.texts.append(content) }
            if let reason = choice.finishReason { expected.finishReasons.append(reason) }
        }
        if let usage = chunk.usage {
            expected.hasUsage = true
            expected.promptTokens = usage.promptTokens
            expected.completionTokens = usage.completionTokens
        }
        return expected
    }

    @Test func chunksOfVLLMAndLlamaCppReadAsTheDecoderReadsThem() throws {
        let chunks = [
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"#,
            #"{"id":"c","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null}"#,
            #"{"choices":[{"finish_reason":"length","index":0,"delta":{}}],"created":1,"id":"c","model":"m","system_fingerprint":"b1","object":"chat.completion.chunk","usage":{"completion_tokens":16,"prompt_tokens":9,"total_tokens":25},"timings":{"prompt_n":9,"predicted_per_second":412.5}}"#,
            #"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5,"prompt_tokens_details":{"cached_tokens":0}}}"#,
            #"{"choices":[],"usage":{"prompt_tokens":90,"completion_tokens":2,"prompt_tokens_details":{"audio_tokens":0,"cached_tokens":64}}}"#,
            #" { "choices" : [ { "delta" : { "content" : "tab\there \"quoted\" \\ slash\/ line\nbreak \u00e9\u4e2d \ud83d\ude00" } , "finish_reason" : "stop" } ] } "#,
            #"{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"},"finish_reason":"content_filter"}],"x":[1,-2.5e3,true,false,null,{"y":[]}]}"#,
            #"{"choices":[{"delta":null,"finish_reason":null}]}"#,
            #"{"choices":[{"delta":{"content":"ünïcödé → ✓"}}]}"#,
        ]
        for text in chunks {
            let scanned = try #require(ChunkScanner.scan(text), "\(text)")
            #expect(scanned == (try Self.decoded(text)), "\(text)")
        }
    }

    @Test func whatItDoesNotFullyUnderstandGoesToTheDecoder() {
        let refused = [
            #"{"error":{"message":"boom"}}"#,
            #"{"choices":[{"delta":{"content":"unterminated}}]}"#,
            #"{"choices":[{"delta":{"content":"bad \x escape"}}]}"#,
            #"{"choices":[{"delta":{"content":"lone \udc00"}}]}"#,
            #"{"choices":[{"delta":{"content":"a"}}]} trailing"#,
            #"{"usage":{"prompt_tokens":1.5}}"#,
            #"{"choices":null}"#,
            "{\"choices\":[{\"delta\":{\"content\":\"raw \u{1} control\"}}]}",
            #"{"choices":[{"delta":{"content":"a"}}"#,
            "",
        ]
        for text in refused { #expect(ChunkScanner.scan(text) == nil, "\(text)") }
    }

    @Test func theRelayReadsTheSameEventsEitherWay() throws {
        var relay = StreamRelay()
        let events = try relay.events(forData: #"{"choices":[{"delta":{"content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":1}}"#)
        #expect(events == [.delta("Hi")])
        #expect(try relay.events(forData: "[DONE]").isEmpty)
        #expect(relay.finalEvent() == .finished(Usage(promptTokens: 4, completionTokens: 1), .stop))
        // An upstream's cached-token count is not passed on (its cache may be shared between
        // teams), on either path.
        let withCachedTokens = #"{"choices":[],"usage":{"prompt_tokens":40,"completion_tokens":8,"prompt_tokens_details":{"cached_tokens":32}}}"#
        let decoderOnly = withCachedTokens.replacingOccurrences(of: #""choices":[]"#, with: #""choices":null"#)
        #expect(ChunkScanner.scan(withCachedTokens) != nil && ChunkScanner.scan(decoderOnly) == nil)
        for data in [withCachedTokens, decoderOnly] {
            var upstream = StreamRelay()
            _ = try upstream.events(forData: data)
            _ = try upstream.events(forData: "[DONE]")
            let usage = Usage(promptTokens: 40, completionTokens: 8)
            #expect(upstream.finalEvent() == .finished(usage, .stop), "\(data)")
        }
        // An error chunk still takes the decoder's path, and says what went wrong.
        var failing = StreamRelay()
        #expect(throws: BackendError.rejected(status: 200, message: "boom")) {
            try failing.events(forData: #"{"error":{"message":"boom"}}"#)
        }
    }
}
