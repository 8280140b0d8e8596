import Foundation
@testable import Gateway
import NIOCore
@testable import Server
import Testing

/// The streamed chunks written without `JSONEncoder` say exactly what the encoded
/// ``ChatCompletionChunk`` says: text chunks for any text a model may produce, the role chunk
/// and the finish chunk for every reason.
@Suite struct StreamChunkEncoderTests {
    private static func execution(cached: Bool) -> ChatExecution {
        ChatExecution(
            id: "chatcmpl-0123456789abcdef", created: 1_733_360_000, model: #"team "m"/v1\x"#, sources: [],
            cacheHit: cached ? .exact : nil, events: GenerationEvents([]), guardsAnswer: false,
            generation: GenerationHandle(task: Task {}))
    }

    /// The event ``ChatCompletionChunk`` and `JSONEncoder` make.
    private static func encoded(
        _ execution: ChatExecution, _ payload: ChatCompletionChunk.Payload, includeUsage: Bool
    ) throws -> ByteBuffer {
        var event = ByteBuffer(string: "data: ")
        event.writeImmutableBuffer(
            try JSONOutput.encode(ChatCompletionChunk(execution: execution, payload: payload, includeUsage: includeUsage)))
        event.writeString("\n\n")
        return event
    }

    /// The JSON object inside one `data: …\n\n` event.
    private static func object(_ event: ByteBuffer) throws -> NSDictionary {
        let text = String(buffer: event)
        #expect(text.hasPrefix("data: ") && text.hasSuffix("\n\n"))
        let json = Data(text.dropFirst(6).dropLast(2).utf8)
        return try #require(try JSONSerialization.jsonObject(with: json) as? NSDictionary)
    }

    @Test(arguments: [
        "Hello", "", " ", #"say "hi""#, #"C:\path\"#, "a/b</script>", "line\nbreak\r\ttab",
        "\u{0}\u{1}\u{8}\u{C}\u{1F}\u{7F}", "héllo wörld", "日本語", "🙂👩‍👩‍👧", "\u{2028}\u{2029}",
        String(repeating: "x\"", count: 500),
    ])
    func aTextChunkSaysWhatTheEncodedChunkSays(text: String) throws {
        for cached in [false, true] {
            for includeUsage in [false, true] {
                let execution = Self.execution(cached: cached)
                var fast = ByteBuffer()
                StreamChunkEncoder(execution: execution, includeUsage: includeUsage).write(text: text, to: &fast)
                let reference = try Self.encoded(execution, .text(text), includeUsage: includeUsage)
                #expect(try Self.object(fast) == Self.object(reference), "\(text.debugDescription)")
                let choices = try #require(try Self.object(fast)["choices"] as? [NSDictionary])
                #expect((choices.first?["delta"] as? NSDictionary)?["content"] as? String == text)
            }
        }
    }

    @Test func theRoleAndFinishChunksSayWhatTheEncodedChunksSay() throws {
        for cached in [false, true] {
            for includeUsage in [false, true] {
                let execution = Self.execution(cached: cached)
                let chunks = StreamChunkEncoder(execution: execution, includeUsage: includeUsage)
                var role = ByteBuffer()
                chunks.writeRole(to: &role)
                let roleReference = try Self.encoded(execution, .role, includeUsage: includeUsage)
                #expect(try Self.object(role) == Self.object(roleReference), "cached \(cached), usage \(includeUsage)")
                for reason in [FinishReason.stop, .length, .contentFilter] {
                    var finish = ByteBuffer()
                    chunks.write(finish: reason, to: &finish)
                    let reference = try Self.encoded(execution, .finish(reason), includeUsage: includeUsage)
                    #expect(try Self.object(finish) == Self.object(reference), "\(reason), cached \(cached)")
                    let choices = try #require(try Self.object(finish)["choices"] as? [NSDictionary])
                    #expect(choices.first?["finish_reason"] as? String == reason.rawValue)
                }
            }
        }
    }
}
